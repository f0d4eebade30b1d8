import type { TokenPort } from '../connections/service';
import { catalogFor } from '../integrations/tenant-catalog';
import { once } from '../platform/config';
import { send } from '../platform/outbound';
import { mainTable } from '../platform/tables';
import { lazyVault } from '../vault/default';
import { revokeGrant } from './revoke';
import { freshTokens, type TokenDeps } from './tokens';

/** OAuth's dependencies in a Lambda container, built once from its environment. */
export const oauthDeps = once(
  (): TokenDeps => ({
    ...mainTable(),
    vault: lazyVault,
    catalogFor: (tenantId) => catalogFor(mainTable(), tenantId),
    // Token requests fail fast: a callback or a credential read is waiting on them.
    send: (request, options) => send(request, { maxAttempts: 2, timeoutMs: 5000, maxRetryAfterMs: 3000, ...options }),
  }),
);

/** Connections' view of OAuth. */
export function tokenPort(deps: TokenDeps): TokenPort {
  return {
    fresh: async (tenantId, connectionId) => ({ ...(await freshTokens(deps, tenantId, connectionId)) }),
    revoke: (tenantId, connection, credentials) => revokeGrant(deps, tenantId, connection, credentials),
  };
}
