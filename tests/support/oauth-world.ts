import { connectionPort } from '../../shared/connections/service';
import { builtInIntegrations } from '../../shared/integrations/catalog';
import { IntegrationDefinition } from '../../shared/integrations/schema';
import { putOAuthClient } from '../../shared/oauth/clients';
import type { TokenDeps } from '../../shared/oauth/tokens';
import { FakeTable, fakeConnectionStore, fakeIntegrations, fakeOAuthStore, fakeVault } from '../fakes/in-memory';
import { fakeTokenEndpoint } from '../fakes/token-endpoint';

/** A tenant's own OAuth integration, naming its issuer (RFC 9207), with rotating refresh tokens. */
export const acmeIdp = IntegrationDefinition.parse({
  key: 'acme-idp',
  name: 'Acme IdP',
  category: 'developer-tools',
  description: 'The tenant’s own authorization server.',
  docsUrl: 'https://docs.acme-idp.example',
  baseUrl: 'https://api.acme-idp.example',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    issuer: 'https://idp.acme-idp.example',
    authorizationUrl: 'https://idp.acme-idp.example/auth',
    tokenUrl: 'https://idp.acme-idp.example/token',
    scopeSeparator: ' ',
    defaultScopes: ['read'],
    pkce: 'required',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/me' },
});

/**
 * OAuth's dependencies on in-memory fakes: one table under the connection and OAuth stores,
 * the built-ins plus acme-idp, a fake token endpoint and a clock that `sleep` moves on
 * instead of waiting. Each of `clientsFor` gets the tenant's OAuth client; the integration
 * reads made while setting up are forgotten.
 */
export async function oauthWorld(options: { tenantId: string; start: Date; clientsFor: string[] }) {
  const table = new FakeTable();
  const connections = fakeConnectionStore(table);
  const oauth = fakeOAuthStore(table);
  const integrations = fakeIntegrations(builtInIntegrations, [acmeIdp]);
  const endpoint = fakeTokenEndpoint();
  const clock = { now: options.start };
  const vault = fakeVault();
  const deps: TokenDeps = {
    store: oauth.store,
    connections: connectionPort(connections.store),
    integrations: integrations.source,
    vault,
    send: endpoint.send,
    now: () => clock.now,
    sleep: async (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  for (const key of options.clientsFor) {
    const audit = { tenantId: options.tenantId, keyId: 'key_admin', requestId: 'req_setup', action: 'oauth_client.put' };
    await putOAuthClient(deps, audit, key, { clientId: 'junction', clientSecret: 'client-secret' });
  }
  integrations.reads.length = 0;
  return { deps, clock, table, connections, oauth, endpoint, vault, reads: integrations.reads };
}
