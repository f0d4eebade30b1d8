import { connectionPort, type TokenPort } from '../connections/service';
import { connectionStore } from '../connections/store';
import { tenantIntegrations } from '../integrations/tenant-catalog';
import { once } from '../platform/config';
import type { TableStore } from '../platform/items';
import { send } from '../platform/outbound';
import { mainTable } from '../platform/tables';
import { lazyVault } from '../vault/default';
import { revokeGrant } from './revoke';
import { oauthStore } from './store';
import { freshTokens, type TokenDeps } from './tokens';

/** What OAuth reads and writes on a table: its own store, and connections and integrations through their ports. */
export function oauthPorts(table: TableStore): Pick<TokenDeps, 'store' | 'connections' | 'integrations'> {
  return { store: oauthStore(table), connections: connectionPort(connectionStore(table)), integrations: tenantIntegrations(table) };
}

/** OAuth's dependencies in a Lambda container, built once from its environment. */
export const oauthDeps = once(
  (): TokenDeps => ({
    ...oauthPorts(mainTable()),
    vault: lazyVault,
    // Token requests fail fast: a callback or a credential read is waiting on them.
    send: (request, options) => send(request, { maxAttempts: 2, timeoutMs: 5000, maxRetryAfterMs: 3000, ...options }),
  }),
);

/** Connections' view of OAuth. */
export function tokenPort(deps: TokenDeps): TokenPort {
  return {
    fresh: async (tenantId, connectionId, integration, options) => ({ ...(await freshTokens(deps, tenantId, connectionId, integration, options)) }),
    revoke: (tenantId, connection, credentials) => revokeGrant(deps, tenantId, connection, credentials),
  };
}
