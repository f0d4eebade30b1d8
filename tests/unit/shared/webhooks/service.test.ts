import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { operatorAudit } from '../../../../shared/platform/audit';
import type { TransactItem } from '../../../../shared/platform/items';
import { keyringFromEnv } from '../../../../shared/vault/keyring';
import { createVault } from '../../../../shared/vault/vault';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  disableWebhookEndpoint,
  getWebhookEndpoint,
  openSigningSecrets,
  previousSecretValidMs,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookDeps,
} from '../../../../shared/webhooks/service';
import { signatureHeader } from '../../../../shared/webhooks/signature';
import type { SecretItem, WebhookEndpointItem, WebhookEndpointStore } from '../../../../shared/webhooks/store';

/** The store's port on maps, with the conditions the DynamoDB store puts on each change. */
function fakeStore() {
  const endpoints = new Map<string, WebhookEndpointItem>();
  const secrets = new Map<string, SecretItem>();
  const transactions: TransactItem[][] = [];
  const key = (tenantId: string, id: string, slot = '') => `${tenantId}/${id}/${slot}`;
  const store: WebhookEndpointStore = {
    table: 'main',
    async create(tenantId, endpoint, secret, also) {
      endpoints.set(key(tenantId, endpoint.id), structuredClone(endpoint));
      secrets.set(key(tenantId, endpoint.id, 'current'), structuredClone(secret));
      transactions.push(also);
      return true;
    },
    get: async (tenantId, id) => structuredClone(endpoints.get(key(tenantId, id))),
    list: async () => ({ items: [...endpoints.values()], nextCursor: null }),
    async update(tenantId, id, expectedVersion, changes, also) {
      const endpoint = endpoints.get(key(tenantId, id));
      if (!endpoint) return 'missing';
      if (endpoint.version !== expectedVersion) return 'stale';
      Object.assign(endpoint, changes, { version: expectedVersion + 1 });
      transactions.push(also);
      return 'updated';
    },
    async setFailingSince(tenantId, id, since) {
      const endpoint = endpoints.get(key(tenantId, id));
      if (endpoint && (since === null || !endpoint.failingSince)) endpoint.failingSince = since;
    },
    async delete(tenantId, id, also) {
      if (!endpoints.delete(key(tenantId, id))) return false;
      secrets.delete(key(tenantId, id, 'current'));
      secrets.delete(key(tenantId, id, 'previous'));
      transactions.push(also);
      return true;
    },
    secrets: async (tenantId, id) => ({
      current: structuredClone(secrets.get(key(tenantId, id, 'current'))),
      previous: structuredClone(secrets.get(key(tenantId, id, 'previous'))),
    }),
    getWithSecrets: async (keys, rotatedSince) =>
      keys.map(({ tenantId, id }) => {
        const endpoint = endpoints.get(key(tenantId, id));
        const previous = (endpoint?.secretRotatedAt ?? '') > rotatedSince ? secrets.get(key(tenantId, id, 'previous')) : undefined;
        return endpoint && { endpoint: structuredClone(endpoint), secrets: structuredClone({ current: secrets.get(key(tenantId, id, 'current')), previous }) };
      }),
    async rotate(tenantId, id, next, previous, rotatedAt, also) {
      const endpoint = endpoints.get(key(tenantId, id));
      if (!endpoint) return 'missing';
      if (secrets.get(key(tenantId, id, 'current'))?.generation !== next.generation - 1) return 'raced';
      endpoint.secretRotatedAt = rotatedAt;
      secrets.set(key(tenantId, id, 'current'), structuredClone(next));
      secrets.set(key(tenantId, id, 'previous'), structuredClone(previous));
      transactions.push(also);
      return 'rotated';
    },
  };
  return { store, secrets, transactions };
}

function localVault() {
  const path = join(mkdtempSync(join(tmpdir(), 'webhook-vault-')), 'key');
  writeFileSync(path, randomBytes(32), { mode: 0o600 });
  return createVault(keyringFromEnv({ env: { LOCAL_KEYRING_PATH: path, LOCAL_PREVIOUS_KEYRING_PATHS: '' } }));
}

const tenantId = 'ten_a';
const audit = (action: string) => operatorAudit(tenantId, 'test', action);
const input = { url: 'https://93.184.215.14/hooks', eventTypes: ['*'], description: '', enabled: true, headers: {}, rateLimitPerSecond: null };

let clock: Date;
let world: ReturnType<typeof fakeStore>;
let deps: WebhookDeps;

beforeEach(() => {
  clock = new Date('2026-12-01T10:00:00Z');
  world = fakeStore();
  deps = { store: world.store, vault: localVault(), resolve: async () => ['93.184.215.14'], now: () => clock };
});

const later = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

describe('signing secrets', () => {
  it('creates a Standard Webhooks secret of 32 random bytes, sealed, and never in the view', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const stored = JSON.stringify([...world.secrets.values()]);
    expect(stored).not.toContain(created.secret.slice('whsec_'.length));
    expect(JSON.stringify(await getWebhookEndpoint(deps, tenantId, created.id))).not.toContain('whsec_');
  });

  it('binds the sealed secret to its tenant and endpoint: it does not open for another', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    const sealed = world.secrets.get(`${tenantId}/${created.id}/current`)!;
    await expect(deps.vault.open(sealed, { tenantId: 'ten_b', connectionId: created.id, purpose: 'webhook-signing-secret' })).rejects.toThrow();
    await expect(deps.vault.open(sealed, { tenantId, connectionId: 'whep_other', purpose: 'webhook-signing-secret' })).rejects.toThrow();
  });

  it('opens only the current secret before any rotation', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    await expect(openSigningSecrets(deps, tenantId, created.id)).resolves.toEqual([created.secret]);
  });

  it('after a rotation opens the new secret and the previous one, until 24 hours have passed', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    later(60_000);
    const rotated = await rotateWebhookSecret(deps, audit('webhook_endpoint.rotate_secret'), created.id);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previousSecretValidUntil).toBe(new Date(clock.getTime() + previousSecretValidMs).toISOString());
    await expect(openSigningSecrets(deps, tenantId, created.id)).resolves.toEqual([rotated.secret, created.secret]);
    later(previousSecretValidMs - 1);
    await expect(openSigningSecrets(deps, tenantId, created.id)).resolves.toEqual([rotated.secret, created.secret]);
    later(1);
    await expect(openSigningSecrets(deps, tenantId, created.id)).resolves.toEqual([rotated.secret]);
  });

  it('a second rotation within 24 hours replaces the kept previous secret', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    const first = await rotateWebhookSecret(deps, audit('webhook_endpoint.rotate_secret'), created.id);
    later(60 * 60_000);
    const second = await rotateWebhookSecret(deps, audit('webhook_endpoint.rotate_secret'), created.id);
    await expect(openSigningSecrets(deps, tenantId, created.id)).resolves.toEqual([second.secret, first.secret]);
  });

  it('writes an audit entry with each change, in its transaction', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    await rotateWebhookSecret(deps, audit('webhook_endpoint.rotate_secret'), created.id);
    await deleteWebhookEndpoint(deps, audit('webhook_endpoint.delete'), created.id);
    const actions = world.transactions.map((items) => items.map((item) => (item.Put?.Item as { action?: string } | undefined)?.action));
    expect(actions).toEqual([['webhook_endpoint.create'], ['webhook_endpoint.rotate_secret'], ['webhook_endpoint.delete']]);
    expect(JSON.stringify(world.transactions)).not.toContain('whsec_');
  });

  it('answers 404 for a deleted endpoint, whose secrets are gone with it', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    await deleteWebhookEndpoint(deps, audit('webhook_endpoint.delete'), created.id);
    await expect(openSigningSecrets(deps, tenantId, created.id)).rejects.toMatchObject({ status: 404 });
    await expect(rotateWebhookSecret(deps, audit('webhook_endpoint.rotate_secret'), created.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('signatures the official standardwebhooks library verifies', () => {
  it('matches the spec\'s official test vector', () => {
    expect(signatureHeader(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('during the overlap, a payload signed with the opened secrets verifies with the new secret and with the old one', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    const rotated = await rotateWebhookSecret(deps, audit('webhook_endpoint.rotate_secret'), created.id);
    const body = JSON.stringify({ type: 'connection.created', data: { id: 'conn_1' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(await openSigningSecrets(deps, tenantId, created.id), 'msg_1', timestamp, body),
    };
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(rotated.secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(created.secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('after the overlap, the old secret no longer verifies', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    const rotated = await rotateWebhookSecret(deps, audit('webhook_endpoint.rotate_secret'), created.id);
    later(previousSecretValidMs);
    const body = '{"type":"connection.deleted"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(timestamp), 'webhook-signature': signatureHeader(await openSigningSecrets(deps, tenantId, created.id), 'msg_2', timestamp, body) };
    expect(new Webhook(rotated.secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(created.secret).verify(body, headers)).toThrow('No matching signature found');
  });
});

describe("an endpoint's health", () => {
  it('starts over when the endpoint is turned on or off by hand', async () => {
    const created = await createWebhookEndpoint(deps, audit('webhook_endpoint.create'), input);
    await deps.store.setFailingSince(tenantId, created.id, '2026-11-01T00:00:00.000Z');
    await disableWebhookEndpoint(deps, tenantId, created.id, 'failing');
    await expect(getWebhookEndpoint(deps, tenantId, created.id)).resolves.toMatchObject({ enabled: false, failingSince: '2026-11-01T00:00:00.000Z', disabledReason: 'failing' });
    const enabled = await updateWebhookEndpoint(deps, audit('webhook_endpoint.update'), created.id, 2, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true, failingSince: null, disabledReason: null, version: 3 });
  });

  it('records webhook_endpoint.disabled in the transaction that disables it, with the endpoint as it is then', async () => {
    const { store, transactions } = fakeStore();
    const created = await createWebhookEndpoint({ ...deps, store }, audit('webhook_endpoint.create'), input);
    await disableWebhookEndpoint({ store }, tenantId, created.id, 'gone');
    const [event] = transactions.at(-1)!;
    expect(event!.Put!.Item).toMatchObject({ pk: `TENANT#${tenantId}`, type: 'webhook_endpoint.disabled', data: { id: created.id, enabled: false, version: 2, disabledReason: 'gone', reason: 'gone' } });
    expect(JSON.stringify(event)).not.toContain('whsec_');
  });

  it('does nothing to an endpoint that is off already', async () => {
    const { store, transactions } = fakeStore();
    const created = await createWebhookEndpoint({ ...deps, store }, audit('webhook_endpoint.create'), { ...input, enabled: false });
    await disableWebhookEndpoint({ store }, tenantId, created.id, 'gone');
    expect(transactions).toHaveLength(1);
  });
});
