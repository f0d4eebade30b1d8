import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import type { Scope } from './contract';
import { Forbidden, Unauthenticated } from './errors';

/**
 * What the authorizer hands to every authenticated route (API Gateway caches it per key).
 * The authorizer never denies: HTTP APIs answer a denial with a fixed 403 body, so it
 * reports the verdict and the route answers 401/403 as problem+json before any logic runs.
 */
export interface AuthorizerContext {
  tenantId?: string;
  keyId?: string;
  /** Space-separated scopes. */
  scopes?: string;
  /** Why the key was not accepted; set instead of the fields above. */
  failure?: string;
}

export interface Principal {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
}

type Event = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;

/** The caller the authorizer vouched for; 401 when it vouched for no one. */
export function authenticatedAs(event: Event): Principal {
  const verdict = event.requestContext.authorizer?.lambda;
  if (!verdict) throw new Unauthenticated('send an API key as "Authorization: Bearer <key>"');
  if (verdict.failure || !verdict.tenantId || !verdict.keyId) {
    throw new Unauthenticated(verdict.failure ?? 'the API key was not accepted');
  }
  const scopes = (verdict.scopes ?? '').split(' ').filter(Boolean) as Scope[];
  return { tenantId: verdict.tenantId, keyId: verdict.keyId, scopes };
}

/** The caller, if it holds `scope`; 401 or 403 otherwise. */
export function principalFrom(event: Event, scope: Scope): Principal {
  const principal = authenticatedAs(event);
  const granted = principal.scopes;
  if (!granted.includes(scope)) {
    throw new Forbidden(
      `this route needs the "${scope}" scope; the key has ${granted.length ? granted.map((s) => `"${s}"`).join(', ') : 'none'}`,
    );
  }
  return principal;
}
