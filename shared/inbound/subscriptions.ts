import { randomBytes } from 'node:crypto';
import type { WebhookSubscriptionRemoval } from '../connections/service';
import type { ConnectionItem, TransactItem, UpdateOutcome } from '../connections/store';
import type { Integration, WebhookRegistration } from '../integrations/schema';
import { webhookSecretField } from '../integrations/service';
import { appendPath, TemplateValueError } from '../integrations/templates';
import { compilePattern } from '../integrations/vocabulary';
import { changeRecords, type Audit } from '../platform/audit';
import { BadGateway, Conflict, DomainError, Invalid, NotFound, type FieldError } from '../platform/errors';
import { newId } from '../platform/ids';
import { buildBaseUrl } from '../integrations/service';
import { callProvider, ProviderRateLimited, type ProviderCallDeps } from '../proxy/service';
import { registrationDialects, type Refusal, type RegistrationDialect } from './registration';
import type { WebhookSubscription, WebhookSubscriptionInput, WebhookSubscriptionListQuery } from './schema';
import type { WebhookSubscriptionItem, WebhookSubscriptionStore } from './subscription-store';

/**
 * Webhook subscriptions made through the provider's own API (docs/inbound.md):
 *
 *   POST …/webhook-subscriptions { events, params }
 *     check events and params against the catalog's registration ── 400
 *     the secret: the connection's (GitHub: made once, 32 random bytes), Stripe's (it makes one), the app's (Shopify)
 *     provider: create with this connection's receiver URL (and our secret) ── its refusal: 400 · 429 · 502
 *     one transaction: the secret re-sealed into the connection's credentials (when new) + the item + the audit entry
 *       └─ fails (the connection changed or went) → removed at the provider again, 409
 *
 * The secret never leaves the vault's item: not in an answer, an item here, a log or an event.
 */
export interface SubscriptionDeps extends ProviderCallDeps {
  store: WebhookSubscriptionStore;
  connections: { get(tenantId: string, id: string): Promise<ConnectionItem | undefined> };
  integrations: { find(tenantId: string, key: string): Promise<Integration | undefined> };
  /** The connections service's `setWebhookSecret`, conditional on the version the caller read. */
  setWebhookSecret(tenantId: string, connectionId: string, expectedVersion: number, secret: string, also: TransactItem[]): Promise<UpdateOutcome>;
  /** A new secret where the provider takes Junction's: 32 random bytes, base64url. */
  newSecret?: () => string;
}

/** A provider answer is read up to this size (a created hook is a few KB). */
const maxAnswerBytes = 256 * 1024;
/** Removing a connection's subscriptions stops calling providers after this long: the deletion has a function's 29 s. */
const removalBudgetMs = 15_000;

const newSecret = (deps: SubscriptionDeps) => deps.newSecret?.() ?? randomBytes(32).toString('base64url');
const nowMs = (deps: SubscriptionDeps) => deps.now?.() ?? Date.now();

export async function createWebhookSubscription(
  deps: SubscriptionDeps,
  audit: Audit,
  connectionId: string,
  input: WebhookSubscriptionInput,
  /** This API's public base (`https://…`), as the caller reached it: the receiver's URL starts there. */
  publicBaseUrl: string,
): Promise<WebhookSubscription> {
  const { tenantId } = audit;
  const { connection, integration, registration, dialect } = await registered(deps, tenantId, connectionId);
  const events = checkedEvents(registration, input.events);
  const params = checkedParams(registration, input.params);
  // OAuth credentials are the grant's tokens, rewritten whole by each refresh: no room for a secret yet.
  if (connection.authType === 'oauth2') throw new Conflict('an OAuth connection cannot hold a webhook secret yet, so it cannot have webhook subscriptions');

  const held = (await deps.credentials(tenantId, connection, integration))[webhookSecretField];
  if (dialect.secret === 'app' && !held) {
    throw new Conflict(`${integration.name} signs webhooks with the app's client secret: set it as the connection's webhookSecret credential first (PATCH /v1/connections/${connectionId})`);
  }
  if (dialect.secret === 'provider' && (await deps.store.list(tenantId, connectionId, { limit: 1 })).items.length > 0) {
    throw new Conflict(`${integration.name} signs each subscription with a secret of its own and a connection holds one: delete this connection's subscription first, or add the events to another connection`);
  }
  // GitHub's hooks of one connection share its secret: one secret verifies them all.
  const sent = dialect.secret === 'ours' ? (held ?? newSecret(deps)) : undefined;
  const url = `${publicBaseUrl.replace(/\/+$/, '')}/v1/hooks/${integration.key}/${connectionId}`;
  const secrets = [sent, held].filter((s): s is string => Boolean(s));

  const request = dialect.createRequest({ url, events, secret: sent, connectionId });
  const { response, json } = await call(deps, tenantId, connection, integration, registration.create, params, request, false);
  const created = dialect.readCreated(response.status, json);
  if ('refused' in created) throw refusedBy(integration, response.status, created, secrets, 'create');
  const secret = created.secret ?? sent ?? held!;

  const at = new Date(nowMs(deps)).toISOString();
  const item: WebhookSubscriptionItem = { id: newId('whsub', Date.parse(at)), connectionId, integration: integration.key, providerId: created.providerId, events, params, url, createdAt: at };
  const also = [deps.store.put(tenantId, item), ...changeRecords(deps.store.table, audit, item.id, at, 201)];
  const stored =
    secret === held
      ? (await deps.store.create(tenantId, item, also.slice(1))) ? 'updated' : 'stale'
      : await deps.setWebhookSecret(tenantId, connectionId, connection.version, secret, also);
  if (stored !== 'updated') {
    // Nothing was written: the provider must not keep sending to a secret nobody holds.
    await removeAtProvider(deps, tenantId, connection, integration, registration, dialect, item).catch(() => undefined);
    if (stored === 'missing') throw new NotFound(`no connection ${connectionId}`);
    throw new Conflict(`connection ${connectionId} changed while the subscription was being made (its credentials, or a request with the same Idempotency-Key); nothing was kept: retry`);
  }
  return toView(item);
}

export async function listWebhookSubscriptions(deps: Pick<SubscriptionDeps, 'store' | 'connections'>, tenantId: string, connectionId: string, query: WebhookSubscriptionListQuery) {
  if (!(await deps.connections.get(tenantId, connectionId))) throw new NotFound(`no connection ${connectionId}`);
  const { items, nextCursor } = await deps.store.list(tenantId, connectionId, query);
  return { data: items.map(toView), nextCursor };
}

/** Removes it at the provider, then here; a provider that refuses keeps it listed (retry), one that no longer has it does not. */
export async function deleteWebhookSubscription(deps: SubscriptionDeps, audit: Audit, connectionId: string, subscriptionId: string) {
  const { tenantId } = audit;
  const connection = await deps.connections.get(tenantId, connectionId);
  const item = connection ? await deps.store.get(tenantId, connectionId, subscriptionId) : undefined;
  if (!connection || !item) throw new NotFound(`no webhook subscription ${subscriptionId} on connection ${connectionId}`);
  const { integration, registration, dialect } = await registered(deps, tenantId, connectionId, connection);
  const outcome = await removeAtProvider(deps, tenantId, connection, integration, registration, dialect, item);
  if (!(await deps.store.delete(tenantId, connectionId, subscriptionId, changeRecords(deps.store.table, audit, subscriptionId, new Date(nowMs(deps)).toISOString())))) {
    throw new NotFound(`no webhook subscription ${subscriptionId} on connection ${connectionId}`);
  }
  return { id: subscriptionId, deleted: true as const, removedAtProvider: outcome === 'removed' };
}

/**
 * The connection is being deleted: each subscription is removed at the provider, best
 * effort, and every item is deleted whatever the provider said. Never throws for a
 * provider's answer; null when the connection had none.
 */
export async function removeWebhookSubscriptions(deps: SubscriptionDeps, tenantId: string, connection: ConnectionItem): Promise<WebhookSubscriptionRemoval | null> {
  const items: WebhookSubscriptionItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list(tenantId, connection.id, { limit: 100, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (items.length === 0) return null;

  const integration = await deps.integrations.find(tenantId, connection.integration);
  const registration = integration?.webhooks?.registration;
  const deadline = nowMs(deps) + removalBudgetMs;
  const result: WebhookSubscriptionRemoval = { removed: 0, failed: [] };
  for (const item of items) {
    if (!integration || !registration) result.failed.push({ id: item.id, detail: `the integration ${connection.integration} no longer says how to remove it` });
    else if (nowMs(deps) > deadline) result.failed.push({ id: item.id, detail: 'not tried: the other removals took the time the deletion has' });
    else {
      try {
        await removeAtProvider(deps, tenantId, connection, integration, registration, registrationDialects[registration.api], item);
        result.removed += 1;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        result.failed.push({ id: item.id, detail: error.message });
      }
    }
    await deps.store.delete(tenantId, connection.id, item.id, []);
  }
  return result;
}

// ---- the parts ----

async function registered(deps: SubscriptionDeps, tenantId: string, connectionId: string, known?: ConnectionItem) {
  const connection = known ?? (await deps.connections.get(tenantId, connectionId));
  if (!connection) throw new NotFound(`no connection ${connectionId}`);
  const integration = await deps.integrations.find(tenantId, connection.integration);
  if (!integration) throw new Conflict(`the connection's integration ${connection.integration} no longer exists`);
  const registration = integration.webhooks?.registration;
  if (!registration) {
    throw new Invalid(`${integration.name} has no webhook subscriptions Junction can make through its API: set one up at the provider, pointing at /v1/hooks/${integration.key}/${connectionId}`, [
      { field: 'path.id', message: `${integration.key} connections cannot register webhook subscriptions` },
    ]);
  }
  return { connection, integration, registration, dialect: registrationDialects[registration.api] };
}

function checkedEvents(registration: WebhookRegistration, asked: string[]): string[] {
  const errors: FieldError[] = [];
  const pattern = registration.eventPattern ? compilePattern(registration.eventPattern) : undefined;
  asked.forEach((event, i) => {
    if (registration.events ? !registration.events.includes(event) : pattern && !pattern.test(event)) {
      errors.push({ field: `body.events.${i}`, message: registration.events ? 'is not an event this provider sends to these subscriptions' : `is not an event name of the form ${registration.eventPattern}` });
    } else if (asked.indexOf(event) !== i) errors.push({ field: `body.events.${i}`, message: 'is named twice' });
  });
  const most = registration.maxEvents ?? 100;
  if (asked.length > most) errors.push({ field: 'body.events', message: `takes at most ${most} event${most === 1 ? '' : 's'} per subscription` });
  if (errors.length) throw new Invalid(`the events do not fit: ${errors.map((e) => `${e.field} (${e.message})`).join('; ')}`, errors);
  return asked;
}

function checkedParams(registration: WebhookRegistration, given: Record<string, string>): Record<string, string> {
  const errors: FieldError[] = [];
  const declared = registration.params ?? [];
  for (const param of declared) {
    const value = Object.hasOwn(given, param.name) ? given[param.name] : undefined;
    if (value === undefined || value === '') {
      if (param.required) errors.push({ field: `body.params.${param.name}`, message: `is required (${param.label})` });
    } else if (value.length > param.maxLength || !compilePattern(param.pattern).test(value)) {
      errors.push({ field: `body.params.${param.name}`, message: param.hint ? `must be ${param.hint}` : `does not match ${param.pattern}` });
    }
  }
  for (const name of Object.keys(given).filter((n) => !declared.some((p) => p.name === n))) {
    errors.push({ field: `body.params.${name}`, message: declared.length ? `is not a param (it takes ${declared.map((p) => p.name).join(', ')})` : 'takes no params' });
  }
  if (errors.length) throw new Invalid(`the params do not fit: ${errors.map((e) => `${e.field} (${e.message})`).join('; ')}`, errors);
  return given;
}

async function call(
  deps: SubscriptionDeps,
  tenantId: string,
  connection: ConnectionItem,
  integration: Integration,
  path: string,
  values: Record<string, string>,
  request: { method: string; body?: string; contentType?: string },
  idempotent: boolean,
) {
  let url: string;
  try {
    url = appendPath(buildBaseUrl(integration, connection.params), path, values);
  } catch (error) {
    if (!(error instanceof TemplateValueError)) throw error;
    throw new Invalid(`the params do not fit: ${error.message}`, [{ field: `body.params.${error.param}`, message: error.message }]);
  }
  const outgoing = { method: request.method, url, ...(request.body !== undefined ? { body: request.body, headers: { 'content-type': request.contentType! } } : {}) };
  const { response } = await callProvider(deps, tenantId, connection, integration, outgoing, { idempotent, maxBodyBytes: maxAnswerBytes });
  let json: unknown;
  try {
    json = response.body ? JSON.parse(response.body) : undefined;
  } catch {
    json = undefined;
  }
  return { response, json };
}

async function removeAtProvider(
  deps: SubscriptionDeps,
  tenantId: string,
  connection: ConnectionItem,
  integration: Integration,
  registration: WebhookRegistration,
  dialect: RegistrationDialect,
  item: WebhookSubscriptionItem,
): Promise<'removed' | 'gone'> {
  // DELETE is idempotent (retried); Shopify's delete is a GraphQL POST, retried too: removing twice is harmless.
  const { response, json } = await call(deps, tenantId, connection, integration, registration.delete, { ...item.params, id: item.providerId }, dialect.deleteRequest(item.providerId), true);
  const outcome = dialect.readDeleted(response.status, json);
  if (typeof outcome === 'object') throw refusedBy(integration, response.status, outcome, [], 'delete');
  return outcome;
}

/**
 * The provider's refusal as Junction's answer: what it judged of the input is a 400 (the
 * refused event named when it says which), refused credentials and its own failures a
 * 502, slow-down answers 429. Its message is passed on, with any secret blanked out.
 */
function refusedBy(integration: Integration, status: number, refusal: Refusal, secrets: string[], action: 'create' | 'delete'): DomainError {
  let said = (refusal.message ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
  for (const secret of secrets) said = said.split(secret).join('[secret]');
  const theirWords = said ? `: ${said}` : '';
  const name = integration.name;
  if (refusal.throttled || status === 429) return new ProviderRateLimited(`${name} asked to slow down${theirWords}`, 2_000);
  if (refusal.denied || status === 401 || status === 403) {
    return new BadGateway(`${name} refused the connection's credentials for this (HTTP ${status})${theirWords}; they need the right to manage webhooks`);
  }
  if (status >= 500 || status < 200) return new BadGateway(`${name} failed to ${action} the subscription (HTTP ${status})${theirWords}`);
  if (action === 'delete') return new BadGateway(`${name} did not remove the subscription (HTTP ${status})${theirWords}`);
  const field = refusal.eventIndex !== undefined ? `body.events.${refusal.eventIndex}` : status === 404 ? 'body.params' : 'body';
  const why = status === 404 ? `${name} found nothing there, or the connection's credentials may not manage its webhooks` : `${name} refused it`;
  return new Invalid(`${why} (HTTP ${status})${theirWords}`, [{ field, message: said || why }]);
}

function toView(item: WebhookSubscriptionItem): WebhookSubscription {
  return {
    id: item.id,
    connectionId: item.connectionId,
    integration: item.integration,
    providerId: item.providerId,
    events: item.events,
    params: item.params,
    url: item.url,
    createdAt: item.createdAt,
  };
}
