import { tokenCredentials } from '../../../../shared/connections/store';
import { freshTokens, ReauthorizationRequired, refreshExpiring, type TokenDeps } from '../../../../shared/oauth/tokens';
import { BadGateway } from '../../../../shared/platform/errors';
import { acmeIdp, oauthWorld } from '../../../support/oauth-world';

const tenantId = 'acme';
const start = new Date('2026-11-02T10:00:00.000Z');
const minutes = (n: number) => new Date(start.getTime() + n * 60_000).toISOString();

async function setUp() {
  const world = await oauthWorld({ tenantId, start, clientsFor: ['acme-idp'] });
  const { connections, endpoint, vault } = world;

  /** An OAuth connection whose access token at_0 expires at `expiresAt`, with the refresh token rt_<id> (revoked at the provider, or not). */
  async function connectionExpiring(id: string, expiresAt: string, options: { revoked?: boolean } = {}) {
    const refreshToken = `rt_${id}`;
    if (!options.revoked) endpoint.issuedRefreshToken(refreshToken);
    const sealed = await vault.seal({ accessToken: 'at_0', refreshToken }, { tenantId, connectionId: id, purpose: 'credentials' });
    connections.seed(
      tenantId,
      {
        id,
        integration: 'acme-idp',
        name: 'IdP',
        authType: 'oauth2',
        params: {},
        credentialFields: ['accessToken', 'refreshToken'],
        status: 'active',
        version: 1,
        createdAt: minutes(-60),
        updatedAt: minutes(-60),
        lastTest: null,
        oauth: { scopes: ['read'], tokenExpiresAt: expiresAt },
        health: { lastSuccessAt: minutes(-60), lastFailureAt: null, lastError: null, consecutiveFailures: 0 },
      },
      tokenCredentials({ tenantId, connectionId: id, sealed, refreshable: true, expiresAt, generation: 1, at: minutes(-60) }),
    );
  }

  const refreshRequests = () => endpoint.requests.filter((r) => r.grant_type === 'refresh_token');
  return { ...world, connectionExpiring, refreshRequests };
}

describe('fresh tokens', () => {
  it('are the stored ones, without a token request or a catalog read, while they are valid', async () => {
    const { deps, endpoint, reads, connectionExpiring } = await setUp();
    await connectionExpiring('conn_a', minutes(60));

    const tokens = await freshTokens(deps, tenantId, 'conn_a');

    expect(tokens).toEqual({ accessToken: 'at_0', refreshToken: 'rt_conn_a' });
    expect(endpoint.requests).toEqual([]);
    expect(reads).toEqual([]);
  });

  it('are refreshed when about to expire, the rotated refresh token stored with them as the next generation', async () => {
    const { deps, connections, vault, connectionExpiring } = await setUp();
    await connectionExpiring('conn_a', minutes(2));

    const tokens = await freshTokens(deps, tenantId, 'conn_a');

    expect(tokens).toEqual({ accessToken: 'at_1', refreshToken: 'rt_1' });
    const stored = connections.credentialsOf(tenantId, 'conn_a')!;
    expect(stored).toMatchObject({ generation: 2, tokenExpiresAt: minutes(60), gsi1sk: minutes(60) });
    expect(stored.leaseOwner).toBeUndefined();
    expect(await vault.open(stored, { tenantId, connectionId: 'conn_a', purpose: 'credentials' })).toEqual(tokens);
    expect(connections.connection(tenantId, 'conn_a')).toMatchObject({
      oauth: { scopes: ['read'], tokenExpiresAt: minutes(60) },
      health: { lastSuccessAt: start.toISOString(), consecutiveFailures: 0 },
    });
  });

  it('are refreshed before their expiry when the provider refused the stored access token, and not when it refused an older one', async () => {
    const { deps, connectionExpiring, refreshRequests } = await setUp();
    await connectionExpiring('conn_a', minutes(60));

    await expect(freshTokens(deps, tenantId, 'conn_a', undefined, { rejected: 'at_old' })).resolves.toEqual({ accessToken: 'at_0', refreshToken: 'rt_conn_a' });
    expect(refreshRequests()).toHaveLength(0);
    await expect(freshTokens(deps, tenantId, 'conn_a', undefined, { rejected: 'at_0' })).resolves.toEqual({ accessToken: 'at_1', refreshToken: 'rt_1' });
    expect(refreshRequests()).toHaveLength(1);
  });

  it('cost one token request for 50 concurrent reads in one container', async () => {
    const { deps, connectionExpiring, refreshRequests } = await setUp();
    await connectionExpiring('conn_a', minutes(2));

    const reads = await Promise.all(Array.from({ length: 50 }, () => freshTokens(deps, tenantId, 'conn_a')));

    expect(new Set(reads.map((tokens) => tokens.accessToken))).toEqual(new Set(['at_1']));
    expect(refreshRequests()).toHaveLength(1);
  });

  it("come from another container's refresh when it holds the lease", async () => {
    const { deps, connectionExpiring, refreshRequests, endpoint } = await setUp();
    await connectionExpiring('conn_a', minutes(2));
    const release = endpoint.hold();
    const first = freshTokens(deps, tenantId, 'conn_a');
    const done = first.then(() => undefined);
    // Another container: its own deps object, the same table.
    const other: TokenDeps = {
      ...deps,
      sleep: async () => {
        release();
        await done;
      },
    };

    const second = await freshTokens(other, tenantId, 'conn_a');

    expect(second).toEqual(await first);
    expect(refreshRequests()).toHaveLength(1);
  });

  it('answer 502 with Retry-After when the lease holder does not finish in time', async () => {
    const { deps, connections, connectionExpiring, endpoint } = await setUp();
    await connectionExpiring('conn_a', minutes(2));
    const held = connections.credentialsOf(tenantId, 'conn_a')!;
    connections.credentials.set(`${tenantId}/conn_a`, { ...held, leaseOwner: 'another-container', leaseUntil: start.getTime() + 30_000 });

    const reading = freshTokens(deps, tenantId, 'conn_a');

    await expect(reading).rejects.toBeInstanceOf(BadGateway);
    await expect(reading).rejects.toMatchObject({ headers: { 'retry-after': '5' } });
    expect(endpoint.requests).toEqual([]);
  });

  it('read the custom integration once to refresh', async () => {
    const { deps, reads, connectionExpiring } = await setUp();
    await connectionExpiring('conn_a', minutes(2));

    await freshTokens(deps, tenantId, 'conn_a');

    expect(reads).toEqual(['acme-idp']);
  });

  it('read no catalog when the caller hands over the integration', async () => {
    const { deps, reads, connectionExpiring, refreshRequests } = await setUp();
    await connectionExpiring('conn_a', minutes(2));

    await freshTokens(deps, tenantId, 'conn_a', acmeIdp);

    expect(reads).toEqual([]);
    expect(refreshRequests()).toHaveLength(1);
  });
});

describe('a refresh the provider refuses', () => {
  it('marks the connection auth_failed on invalid_grant, records the event once, and takes it out of the refresh index', async () => {
    const { deps, connections, connectionExpiring, endpoint } = await setUp();
    await connectionExpiring('conn_a', minutes(2));
    endpoint.answerNext(400, { error: 'invalid_grant' });

    await expect(freshTokens(deps, tenantId, 'conn_a')).rejects.toBeInstanceOf(ReauthorizationRequired);

    expect(connections.connection(tenantId, 'conn_a')).toMatchObject({
      status: 'auth_failed',
      health: { lastFailureAt: start.toISOString(), lastError: 'token refresh failed: invalid_grant', consecutiveFailures: 1 },
    });
    const stored = connections.credentialsOf(tenantId, 'conn_a')!;
    expect(stored).toMatchObject({ refreshError: { code: 'invalid_grant', at: start.toISOString() }, refreshFailures: 1 });
    expect(stored.gsi1pk).toBeUndefined();
    expect(stored.leaseOwner).toBeUndefined();
    expect(connections.table.events()).toEqual([{ type: 'connection.auth_failed', data: expect.objectContaining({ id: 'conn_a', status: 'auth_failed', reason: 'invalid_grant' }) }]);
  });

  it('is not asked again once the grant is known to be gone', async () => {
    const { deps, connectionExpiring, endpoint } = await setUp();
    await connectionExpiring('conn_a', minutes(2));
    endpoint.answerNext(400, { error: 'invalid_grant' });
    await expect(freshTokens(deps, tenantId, 'conn_a')).rejects.toBeInstanceOf(ReauthorizationRequired);

    const again = freshTokens(deps, tenantId, 'conn_a');

    await expect(again).rejects.toBeInstanceOf(ReauthorizationRequired);
    expect(endpoint.requests).toHaveLength(1);
  });

  it('backs off after a provider failure, giving the lease back and leaving the connection active', async () => {
    const { deps, connections, connectionExpiring, endpoint } = await setUp();
    await connectionExpiring('conn_a', minutes(2));
    endpoint.answerNext(503, { error: 'temporarily_unavailable' });

    const reading = freshTokens(deps, tenantId, 'conn_a');

    await expect(reading).rejects.toMatchObject({ status: 502, headers: { 'retry-after': '30' } });
    const stored = connections.credentialsOf(tenantId, 'conn_a')!;
    expect(stored).toMatchObject({ refreshFailures: 1, refreshRetryAt: minutes(2), refreshError: { code: 'server_error' } });
    expect(stored.leaseOwner).toBeUndefined();
    expect(stored.gsi1pk).toBeDefined();
    expect(connections.connection(tenantId, 'conn_a')).toMatchObject({ status: 'active', health: { consecutiveFailures: 1, lastError: 'token refresh failed: server_error' } });
    expect(connections.table.events()).toEqual([]);
  });
});

describe('the scheduled refresh', () => {
  it('refreshes the tokens about to expire, skips those backing off, and goes on past a failure', async () => {
    const { deps, connections, connectionExpiring } = await setUp();
    await connectionExpiring('conn_due', minutes(2));
    await connectionExpiring('conn_revoked', minutes(3), { revoked: true });
    await connectionExpiring('conn_backing_off', minutes(2));
    const backingOff = connections.credentialsOf(tenantId, 'conn_backing_off')!;
    connections.credentials.set(`${tenantId}/conn_backing_off`, { ...backingOff, refreshRetryAt: minutes(10), refreshFailures: 2 });
    await connectionExpiring('conn_later', minutes(120));

    const result = await refreshExpiring(deps);

    expect(result).toEqual({ due: 2, refreshed: 1, failed: 1 });
    expect(connections.credentialsOf(tenantId, 'conn_due')!.generation).toBe(2);
    expect(connections.connection(tenantId, 'conn_revoked')!.status).toBe('auth_failed');
    expect(connections.credentialsOf(tenantId, 'conn_backing_off')!.generation).toBe(1);
  });
});
