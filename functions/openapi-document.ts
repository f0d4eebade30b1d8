import { routesOf, splitRoute } from '../infra/declaration';
import { declaration } from '../infra/functions';
import { once } from '../shared/platform/config';
import { buildOpenApi } from '../shared/platform/openapi';
import pkg from '../package.json' with { type: 'json' };

/** The OpenAPI document of every declared route, built once per container. */
export const openApiDocument = once(() =>
  buildOpenApi(
    routesOf(declaration)
      .filter(([, r]) => r.route !== '$default')
      .map(([, r]) => ({ ...splitRoute(r.route), contract: r.contract })),
    { version: pkg.version },
  ),
);
