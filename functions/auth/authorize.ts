import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { AuthorizerContext } from '../../shared/platform/principal';
import { mainTable } from '../../shared/platform/tables';
import { authenticate } from '../../shared/tenancy/service';

/**
 * Resolves an API key to its tenant and scopes. It always authorizes and reports the
 * verdict in the context: an HTTP API answers a denial with its own fixed 403 body, while
 * Junction owes a 401/403 problem+json, which the route's wrapper writes from the verdict.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => ({
  isAuthorized: true,
  context: await authenticate(mainTable(), event.headers?.authorization ?? event.identitySource?.[0]),
});
