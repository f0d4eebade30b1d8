import routeKeys from '#route-keys';
import { methodsServing } from '../../infra/declaration';
import { MethodNotAllowed, NotFound } from '../../shared/platform/errors';
import { wrap } from '../../shared/platform/http';

/** API Gateway's `$default` route: whatever no declared route matched. */
export const handler = wrap(async (event) => {
  const { method, path } = event.requestContext.http;
  const allowed = methodsServing(routeKeys, path);
  if (allowed.length > 0) {
    throw new MethodNotAllowed(`${method} is not served on ${path}; use ${allowed.join(', ')}`, allowed);
  }
  throw new NotFound(`no route serves ${method} ${path}`);
});
