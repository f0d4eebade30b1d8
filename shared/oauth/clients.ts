import { changeRecords, type Audit } from '../platform/audit';
import { Invalid, NotFound } from '../platform/errors';
import { customIntegrationExists } from '../integrations/custom-items';
import { findTenantIntegration, type IntegrationSource } from '../integrations/tenant-catalog';
import type { Vault } from '../vault/vault';
import type { OAuthClientInput, OAuthClientView } from './schema';
import type { OAuthClientItem, OAuthStore } from './store';
import type { OAuthClient } from './token-client';

/**
 * A tenant's OAuth app per integration: client id, scopes and redirect URL in the clear,
 * the client secret sealed by the vault and never shown again.
 */
export interface ClientDeps {
  store: OAuthStore;
  vault: Vault;
  integrations: IntegrationSource;
}

const context = (tenantId: string, integration: string) => ({ tenantId, connectionId: `oauth-client:${integration}`, purpose: 'oauth-client-secret' });

export async function putOAuthClient(deps: ClientDeps, audit: Audit, integration: string, input: OAuthClientInput, now = new Date()) {
  const definition = await findTenantIntegration(deps.integrations, audit.tenantId, integration);
  if (!definition) throw new NotFound(`there is no integration "${integration}"`);
  if (!definition.oauth2) throw new Invalid(`${integration} does not use OAuth`, [{ field: 'path.key', message: 'has no OAuth flow' }]);
  const at = now.toISOString();
  const existing = await deps.store.getClient(audit.tenantId, integration);
  const item: OAuthClientItem = {
    ...(await deps.vault.seal(input.clientSecret, context(audit.tenantId, integration))),
    integration,
    clientId: input.clientId,
    scopes: input.scopes ?? null,
    redirectUrl: input.redirectUrl ?? null,
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
  // A custom integration deleted since it was read above takes its client with it; one
  // written after that delete would outlive it, for a later integration of the same key.
  const table = deps.store.table;
  const stillThere = deps.integrations.builtIns.includes(definition) ? [] : [customIntegrationExists(table, audit.tenantId, integration)];
  const written = await deps.store.putClient(audit.tenantId, item, [...stillThere, ...changeRecords(table, audit, integration, at)]);
  if (!written && stillThere.length) throw new NotFound(`there is no integration "${integration}": it was deleted meanwhile`);
  return view(item);
}

export async function getOAuthClient(deps: Pick<ClientDeps, 'store'>, tenantId: string, integration: string): Promise<OAuthClientView> {
  const item = await deps.store.getClient(tenantId, integration);
  if (!item) throw new NotFound(`no OAuth client is set for "${integration}"`);
  return view(item);
}

export async function deleteOAuthClient(deps: Pick<ClientDeps, 'store'>, audit: Audit, integration: string, now = new Date()) {
  const at = now.toISOString();
  const deleted = await deps.store.deleteClient(audit.tenantId, integration, changeRecords(deps.store.table, audit, integration, at, 204));
  if (!deleted) throw new NotFound(`no OAuth client is set for "${integration}"`);
}

/** The client with its secret, for the token endpoint; undefined when none is set. */
export async function openClient(
  deps: Pick<ClientDeps, 'store' | 'vault'>,
  tenantId: string,
  integration: string,
): Promise<(OAuthClient & { scopes: string[] | null; redirectUrl: string | null }) | undefined> {
  const item = await deps.store.getClient(tenantId, integration);
  if (!item) return undefined;
  const clientSecret = await deps.vault.open<string>(item, context(tenantId, integration));
  return { clientId: item.clientId, clientSecret, scopes: item.scopes, redirectUrl: item.redirectUrl };
}

function view(item: OAuthClientItem): OAuthClientView {
  return {
    integration: item.integration,
    clientId: item.clientId,
    clientSecretSet: true,
    scopes: item.scopes,
    redirectUrl: item.redirectUrl,
    updatedAt: item.updatedAt,
  };
}
