import { randomBytes } from 'node:crypto';
import { eventPut } from '../events/store';
import { changeRecords, type Audit } from '../platform/audit';
import { Conflict, Invalid, NotFound, PreconditionFailed } from '../platform/errors';
import { newId } from '../platform/ids';
import type { Vault, VaultContext } from '../vault/vault';
import type { Resolve } from './destination';
import { checkEndpointUrl } from './destination';
import type { SecretRotated, WebhookEndpoint, WebhookEndpointCreated, WebhookEndpointInput, WebhookEndpointPatch } from './schema';
import type { DisabledReason, SecretItem, SigningEndpoint, WebhookEndpointItem, WebhookEndpointStore } from './store';

export interface WebhookDeps {
  store: WebhookEndpointStore;
  vault: Vault;
  /** Resolves an endpoint's host at save (tests pass a fixed answer). */
  resolve: Resolve;
  now?: () => Date;
}

type StoreDeps = Pick<WebhookDeps, 'store'>;

/**
 * How long the previous secret keeps signing after a rotation: receivers get a day to
 * switch (Svix's overlap; FACTS). A second rotation within it replaces the kept one.
 */
export const previousSecretValidMs = 24 * 60 * 60 * 1000;
/** 32 random bytes: within the 24–64 Standard Webhooks allows. */
const secretBytes = 32;
const purpose = 'webhook-signing-secret';
const vaultContext = (tenantId: string, endpointId: string): VaultContext => ({ tenantId, connectionId: endpointId, purpose });
const nowOf = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

/** A new signing secret in the Standard Webhooks format, `whsec_` + base64. */
export const newSigningSecret = () => `whsec_${randomBytes(secretBytes).toString('base64')}`;

async function checkUrl(deps: Pick<WebhookDeps, 'resolve'>, url: string) {
  const problem = await checkEndpointUrl(url, deps.resolve);
  if (problem) throw new Invalid(`the endpoint URL is refused: ${problem.message}`, [problem]);
}

async function sealedSecret(deps: WebhookDeps, tenantId: string, endpointId: string, secret: string, generation: number, at: string): Promise<SecretItem> {
  const sealed = await deps.vault.seal(secret, vaultContext(tenantId, endpointId));
  return { ...sealed, tenantId, endpointId, slot: 'current', generation, createdAt: at };
}

/** Creates an endpoint with a new signing secret, shown in this answer only. */
export async function createWebhookEndpoint(deps: WebhookDeps, audit: Audit, input: WebhookEndpointInput): Promise<WebhookEndpointCreated> {
  await checkUrl(deps, input.url);
  const at = nowOf(deps).toISOString();
  const id = newId('whep');
  const endpoint: WebhookEndpointItem = { id, ...input, version: 1, createdAt: at, updatedAt: at, secretRotatedAt: null };
  const secret = newSigningSecret();
  const created = await deps.store.create(
    audit.tenantId,
    endpoint,
    await sealedSecret(deps, audit.tenantId, id, secret, 1, at),
    changeRecords(deps.store.table, audit, id, at, 201),
  );
  // Only a condition of the caller's (its Idempotency-Key commit) can fail: nothing was written.
  if (!created) throw new Conflict('the endpoint was not created: a concurrent request with the same Idempotency-Key got there first; retry');
  return { ...toView(endpoint), secret };
}

export async function getWebhookEndpoint(deps: StoreDeps, tenantId: string, id: string): Promise<WebhookEndpoint> {
  return toView(await endpointItem(deps, tenantId, id));
}

export async function listWebhookEndpoints(deps: StoreDeps, tenantId: string, query: { limit: number; cursor?: string; enabled?: 'true' | 'false' }) {
  const { items, nextCursor } = await deps.store.list(tenantId, {
    limit: query.limit,
    cursor: query.cursor,
    ...(query.enabled === undefined ? {} : { enabled: query.enabled === 'true' }),
  });
  return { data: items.map(toView), nextCursor };
}

/** Applies a patch if `ifMatch` is still the stored version; a new URL is checked as at creation. */
export async function updateWebhookEndpoint(deps: Pick<WebhookDeps, 'store' | 'resolve' | 'now'>, audit: Audit, id: string, ifMatch: number, patch: WebhookEndpointPatch): Promise<WebhookEndpoint> {
  const current = await endpointItem(deps, audit.tenantId, id);
  if (current.version !== ifMatch) throw stale(id, ifMatch, current.version);
  if (patch.url !== undefined) await checkUrl(deps, patch.url);
  const at = nowOf(deps).toISOString();
  // Turned on or off by hand: whatever Junction concluded about its health starts over.
  const health = patch.enabled === undefined ? {} : { failingSince: null, disabledReason: null };
  const changes = { ...patch, ...health, updatedAt: at };
  const outcome = await deps.store.update(audit.tenantId, id, ifMatch, changes, changeRecords(deps.store.table, audit, id, at));
  if (outcome === 'missing') throw new NotFound(`no webhook endpoint ${id}`);
  if (outcome === 'stale') throw stale(id, ifMatch, (await deps.store.get(audit.tenantId, id))?.version ?? ifMatch + 1);
  return toView({ ...current, ...changes, version: ifMatch + 1 } as WebhookEndpointItem);
}

/** Deletes the endpoint and destroys its sealed secrets in the same transaction. */
export async function deleteWebhookEndpoint(deps: Pick<WebhookDeps, 'store' | 'now'>, audit: Audit, id: string): Promise<{ id: string; deleted: true }> {
  const at = nowOf(deps).toISOString();
  if (!(await deps.store.delete(audit.tenantId, id, changeRecords(deps.store.table, audit, id, at)))) throw new NotFound(`no webhook endpoint ${id}`);
  return { id, deleted: true };
}

/**
 * A new signing secret, shown in this answer only; it signs from now on. The secret it
 * replaces is kept (sealed, as it was) and signs too for `previousSecretValidMs`, so a
 * receiver that has not switched yet still verifies; whatever previous secret an earlier
 * rotation kept is dropped. The old ciphertext is copied, not opened: rotating needs only
 * to seal.
 */
export async function rotateWebhookSecret(deps: WebhookDeps, audit: Audit, id: string): Promise<SecretRotated> {
  await endpointItem(deps, audit.tenantId, id);
  const { current } = await deps.store.secrets(audit.tenantId, id);
  if (!current) throw new NotFound(`no webhook endpoint ${id}`);
  const now = nowOf(deps);
  const at = now.toISOString();
  const validUntil = new Date(now.getTime() + previousSecretValidMs);
  const secret = newSigningSecret();
  const next = await sealedSecret(deps, audit.tenantId, id, secret, current.generation + 1, at);
  const previous: SecretItem = { ...current, slot: 'previous', validUntil: validUntil.toISOString(), expiresAt: Math.ceil(validUntil.getTime() / 1000) };
  const outcome = await deps.store.rotate(audit.tenantId, id, next, previous, at, changeRecords(deps.store.table, audit, id, at));
  if (outcome === 'missing') throw new NotFound(`no webhook endpoint ${id}`);
  if (outcome === 'raced') throw new Conflict(`the secret of ${id} was rotated by another request meanwhile; rotate again if you need a secret you hold`);
  return { id, secret, previousSecretValidUntil: validUntil.toISOString() };
}

/**
 * The secrets that sign a delivery to this endpoint now, newest first: the current one,
 * and the previous one while it is still valid (each gives one `v1,` signature). For the
 * delivery worker; never for an API answer.
 */
export async function openSigningSecrets(deps: Pick<WebhookDeps, 'store' | 'vault' | 'now'>, tenantId: string, id: string): Promise<string[]> {
  const secrets = await deps.store.secrets(tenantId, id);
  if (!secrets.current) throw new NotFound(`no webhook endpoint ${id}`);
  return signingSecretsOf(deps, tenantId, id, secrets);
}

/** Opens the secrets that sign now: the current one, and the previous one until its `validUntil`. */
export function signingSecretsOf(deps: Pick<WebhookDeps, 'vault' | 'now'>, tenantId: string, id: string, secrets: SigningEndpoint['secrets']): Promise<string[]> {
  const { current, previous } = secrets;
  if (!current) throw new Error(`webhook endpoint ${id} has no signing secret`);
  const now = nowOf(deps).getTime();
  const valid = [current, ...(previous?.validUntil && Date.parse(previous.validUntil) > now ? [previous] : [])];
  return Promise.all(valid.map((item) => deps.vault.open<string>(item, vaultContext(tenantId, id))));
}

/**
 * Turns an endpoint off without an API call, and records `webhook_endpoint.disabled` in
 * the same transaction, which the relay sends to the tenant's other endpoints: its
 * receiver answered 410 Gone (Standard Webhooks), or deliveries have failed for longer
 * than the deployment allows. Off or gone already: nothing to do. A concurrent edit is
 * read again, a few times.
 */
export async function disableWebhookEndpoint(deps: Pick<WebhookDeps, 'store' | 'now'>, tenantId: string, id: string, reason: DisabledReason): Promise<void> {
  for (let tries = 0; tries < 5; tries++) {
    const current = await deps.store.get(tenantId, id);
    if (!current?.enabled) return;
    const now = nowOf(deps);
    const changes = { enabled: false, disabledReason: reason, updatedAt: now.toISOString() };
    const view = toView({ ...current, ...changes, version: current.version + 1 });
    const event = eventPut(deps.store.table, tenantId, 'webhook_endpoint.disabled', { ...view, reason }, now);
    const outcome = await deps.store.update(tenantId, id, current.version, changes, [event]);
    if (outcome !== 'stale') return;
  }
}

async function endpointItem(deps: StoreDeps, tenantId: string, id: string) {
  const endpoint = await deps.store.get(tenantId, id);
  if (!endpoint) throw new NotFound(`no webhook endpoint ${id}`);
  return endpoint;
}

/** The API's view: named fields only (never store attributes or secrets). */
function toView(item: WebhookEndpointItem): WebhookEndpoint {
  return {
    id: item.id,
    url: item.url,
    eventTypes: item.eventTypes,
    description: item.description,
    enabled: item.enabled,
    headers: item.headers,
    rateLimitPerSecond: item.rateLimitPerSecond,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    secretRotatedAt: item.secretRotatedAt,
    failingSince: item.failingSince ?? null,
    disabledReason: item.disabledReason ?? null,
  };
}

function stale(id: string, expected: number, actual: number) {
  return new PreconditionFailed(`webhook endpoint ${id} is at version ${actual}, not ${expected}; read it again and retry`);
}
