import { routesOf } from '../../infra/declaration';
import { declaration } from '../../infra/functions';

/**
 * Every declared route key (`GET /v1/connections/{id}`) but `$default`. Bundles get the
 * list as computed at build time (`#route-keys`, see infra/bundling.ts), without the
 * contracts the declaration carries.
 */
const routeKeys: readonly string[] = routesOf(declaration)
  .map(([, r]) => r.route)
  .filter((key) => key !== '$default');
export default routeKeys;
