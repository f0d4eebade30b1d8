import type { Connection } from '../connections/schema';
import type { TokenRevocation } from '../connections/service';
import { buildOAuthUrl } from '../integrations/service';
import { findTenantIntegration } from '../integrations/tenant-catalog';
import { DomainError } from '../platform/errors';
import { openClient } from './clients';
import { revokeTokens, TokenError } from './token-client';
import type { TokenDeps } from './tokens';

/**
 * Revokes an OAuth connection's grant where the integration declares how (RFC 7009 or a
 * Bearer call). Never throws: a deletion goes ahead whatever the provider says, and this
 * says what happened.
 */
export async function revokeGrant(
  deps: TokenDeps,
  tenantId: string,
  connection: Connection,
  credentials: Record<string, string>,
): Promise<TokenRevocation> {
  const definition = await findTenantIntegration(deps.integrations, tenantId, connection.integration);
  if (!definition?.oauth2?.revocation) return { status: 'unsupported', detail: `${connection.integration} declares no way to revoke tokens` };
  const client = await openClient(deps, tenantId, connection.integration);
  if (!client) return { status: 'failed', detail: `no OAuth client is set for ${connection.integration}, so the grant could not be revoked` };
  if (!credentials.accessToken) return { status: 'failed', detail: 'the connection had no access token' };
  try {
    await revokeTokens(
      // Deleting must not wait long on a provider that is down.
      (request) => deps.send(request, { maxAttempts: 2, timeoutMs: 3000, maxRetryAfterMs: 2000 }),
      definition,
      { url: buildOAuthUrl(definition, 'revocation', connection.params), client, accessToken: credentials.accessToken, ...(credentials.refreshToken ? { refreshToken: credentials.refreshToken } : {}) },
    );
    return { status: 'revoked', detail: 'the provider revoked the grant' };
  } catch (error) {
    if (error instanceof TokenError || error instanceof DomainError) {
      return { status: 'failed', detail: `the provider did not confirm the revocation (${error.message}); revoke the app's access there if needed` };
    }
    throw error;
  }
}
