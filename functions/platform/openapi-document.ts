import { routesOf, splitRoute } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import { buildOpenApi } from '../../shared/platform/openapi';
import pkg from '../../package.json' with { type: 'json' };

/**
 * The OpenAPI document of every declared route. It depends on the declaration alone, so
 * function bundles get it as computed at build time (`#openapi-document`, see
 * infra/bundling.ts) and load none of the schemas it is made from.
 */
const openApiDocument = buildOpenApi(
  routesOf(declaration)
    .filter(([, r]) => r.route !== '$default')
    .map(([name, r]) => ({ ...splitRoute(r.route), operationId: name, contract: r.contract })),
  { version: pkg.version, license: pkg.license },
);
export default openApiDocument;
