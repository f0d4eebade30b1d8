import { tally } from '../metrics/tally';
import { isUtf8 } from 'node:buffer';
import { eventPut, type EventStore } from '../events/store';
import type { ConnectionItem } from '../connections/store';
import type { Integration } from '../integrations/schema';
import { compilePattern } from '../integrations/vocabulary';
import { operatorAudit } from '../platform/audit';
import { Conflict, DomainError, NotFound, problemType } from '../platform/errors';
import { newId } from '../platform/ids';
import type { SyncRun, SyncRunInput } from '../syncs/schema';
import { payloadUrlOf, type InboundEvent, type InboundReceivedEventData, type SyncOutcome } from './schema';
import { inboundBodyKey, type InboundBodies, type InboundItem, type InboundStore } from './store';
import { fieldAt, SignatureRefused, verifyDelivery } from './verify';

/**
 * Inbound provider webhooks: receive (verify, deduplicate, store, enqueue, answer), list,
 * and route (the worker: start or coalesce the sync the event asks for).
 *
 *   provider ──POST /v1/hooks/{integration}/{connectionId}──► receive: 404 · 429 · 401 · 2xx
 *        one transaction: seen(delivery id) + event + inbound.received (+ sync request) ──► relay ──► team's endpoints
 *        then a message on `inboundEvents`, delayed `coalesceSeconds` ──► route ──► startSyncRun (or not)
 */

/** Each connection's deliveries per second (the limits table, shared by every container); beyond it 429. */
export const receivePerSecond = 100;
/** Delivery ids are remembered this long: providers retry for up to 3 days (Stripe), GitHub and Shopify for less. */
export const dedupSeconds = 3 * 86_400;
/** A routed event waits this long before its run starts, so a burst of events starts one run. */
export const coalesceSeconds = 5;
/** When the streams are being synced already, the request is looked at again after this long. */
export const retrySeconds = 60;
/**
 * The body travels in `inbound.received` up to this size; a larger one is kept in the
 * uploads bucket instead (the event stays under DynamoDB's 400 KB item limit).
 */
export const maxEventPayloadBytes = 256 * 1024;

export interface InboundMessage {
  tenantId: string;
  connectionId: string;
  /** The event to mark processed; absent on a retry of the connection's sync request. */
  inboundId?: string;
}

export interface ReceiveDeps {
  store: InboundStore;
  /** The tenant a connection id belongs to (the URL carries no tenant). */
  tenantOf(connectionId: string): Promise<string | undefined>;
  connections: { get(tenantId: string, id: string): Promise<ConnectionItem | undefined> };
  integrations: { find(tenantId: string, key: string): Promise<Integration | undefined> };
  /** The connection's `webhookSecret` credential, opened by the vault; undefined when it has none. */
  secretOf(tenantId: string, connectionId: string): Promise<string | undefined>;
  /** One of the connection's `receivePerSecond`; false when this second's are spent. */
  admit(tenantId: string, connectionId: string): Promise<boolean>;
  enqueue(messages: InboundMessage[], delaySeconds: number): Promise<void>;
  /** Where bodies the event cannot carry are kept. */
  bodies: Pick<InboundBodies, 'put'>;
  retentionDays(): number;
  now?: () => Date;
}

export interface Received {
  status: number;
  body: { received: boolean; duplicate: boolean; id: string | null } | { challenge: string };
}

export class TooManyDeliveries extends DomainError {
  constructor() {
    super(429, problemType('too-many-requests'), 'Too many requests', `this connection takes at most ${receivePerSecond} deliveries a second; retry shortly`, undefined, { 'retry-after': '1' });
  }
}

const nowOf = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

/** One answer for every way the URL can be wrong, so it does not tell which part exists. */
const noReceiver = () => new NotFound('no webhook receiver at this URL');

/**
 * Receives one delivery: finds the connection (404), spends its rate budget before any
 * secret is opened (429: an anonymous flood costs a counter, not a vault call), verifies
 * the signature on the raw bytes (401), answers handshakes, then stores it once.
 */
export async function receiveDelivery(
  deps: ReceiveDeps,
  input: { integration: string; connectionId: string; headers: Record<string, string | undefined>; body: Buffer },
): Promise<Received> {
  const { connectionId } = input;
  const tenantId = await deps.tenantOf(connectionId);
  if (!tenantId) throw noReceiver();
  // Side by side: the budget's key names only the connection id, which the URL gave.
  const [connection, admitted] = await Promise.all([deps.connections.get(tenantId, connectionId), deps.admit(tenantId, connectionId)]);
  if (!connection || connection.integration !== input.integration) throw noReceiver();
  const integration = await deps.integrations.find(tenantId, connection.integration);
  const scheme = integration?.webhooks;
  if (!integration || !scheme) throw noReceiver();
  if (!admitted) throw new TooManyDeliveries();

  const dims = { integration: integration.key, connection: connectionId };
  const refused = (error: SignatureRefused) => {
    tally.count(tenantId, 'inbound', dims, { refused: 1 });
    tally.fail(tenantId, { kind: 'inbound.signature_refused', ...dims }, error.message);
    return error;
  };
  const secret = await deps.secretOf(tenantId, connectionId);
  // Said as a refused signature: the sender learns nothing about the connection's set-up.
  if (!secret) throw refused(new SignatureRefused('the signature cannot be verified for this connection'));
  const now = nowOf(deps);
  let verified: ReturnType<typeof verifyDelivery>;
  try {
    verified = verifyDelivery(scheme, secret, { headers: lowerCased(input.headers), body: input.body, now: now.getTime() });
  } catch (error) {
    throw error instanceof SignatureRefused ? refused(error) : error;
  }
  if (verified.handshake?.kind === 'challenge') return { status: 200, body: { challenge: verified.handshake.challenge } };
  if (verified.handshake?.kind === 'ping') return { status: 200, body: { received: false, duplicate: false, id: null } };

  const streams = streamsFor(integration, verified.eventType, verified.json);
  const at = now.toISOString();
  const id = newId('inb', now.getTime());
  const seconds = Math.floor(now.getTime() / 1000);
  // The event's payload is UTF-8 text: a body it cannot carry whole, or not as the same
  // bytes, goes to the bucket, so that the payload route answers every body exactly.
  const inEvent = input.body.length <= maxEventPayloadBytes && isUtf8(input.body);
  const payloadKey = inEvent ? undefined : inboundBodyKey(tenantId, connectionId, id);
  const event: InboundEvent = {
    id,
    connectionId,
    integration: integration.key,
    deliveryId: verified.deliveryId,
    eventType: verified.eventType,
    // Nothing to route: done on arrival, and no message.
    status: streams.length ? 'received' : 'processed',
    receivedAt: at,
    processedAt: streams.length ? null : at,
    contentType: input.headers['content-type'] ?? lowerCased(input.headers)['content-type'] ?? null,
    bodyBytes: input.body.length,
    payloadUrl: payloadUrlOf(connectionId, id),
    sync: streams.length ? { streams, outcome: null, runId: null, detail: null } : null,
  };
  const data: InboundReceivedEventData = { ...event, payload: inEvent ? input.body.toString('utf8') : null };
  const outbox = eventPut(deps.store.table, tenantId, 'inbound.received', data, now);
  const { payloadUrl: _derived, ...listed } = event;
  const item: InboundItem = { ...listed, ...(payloadKey ? { payloadKey } : {}), eventId: String(outbox.Put!.Item!.id), expiresAt: seconds + deps.retentionDays() * 86_400 };
  // The body is in the bucket before the transaction commits the event that points at it.
  const keepBody = payloadKey ? () => deps.bodies.put(payloadKey, input.body, event.contentType) : undefined;
  const outcome = await deps.store.receive(tenantId, item, streams.map(streamKey), [outbox], seconds + dedupSeconds, keepBody);
  if (outcome.stored) {
    tally.count(tenantId, 'inbound', dims, { accepted: 1 });
    if (streams.length) await deps.enqueue([{ tenantId, connectionId, inboundId: id }], coalesceSeconds);
    return { status: 202, body: { received: true, duplicate: false, id } };
  }
  const first = outcome.existing;
  // The first copy committed but may have died before its message was sent: a retry that
  // finds it still unrouted well after its message was due sends it again (routing an event
  // twice is harmless: the worker skips a processed one). Copies racing the first do not.
  if (first?.status === 'received' && now.getTime() - Date.parse(first.receivedAt) > (coalesceSeconds + retrySeconds) * 1000) {
    await deps.enqueue([{ tenantId, connectionId, inboundId: first.id }], 0);
  }
  return { status: 200, body: { received: true, duplicate: true, id: first?.id ?? null } };
}

export async function listInboundEvents(
  deps: { store: InboundStore; connections: ReceiveDeps['connections'] },
  tenantId: string,
  connectionId: string,
  query: { limit: number; cursor?: string },
): Promise<{ data: InboundEvent[]; nextCursor: string | null }> {
  if (!(await deps.connections.get(tenantId, connectionId))) throw new NotFound(`no connection ${connectionId}`);
  const { items, nextCursor } = await deps.store.list(tenantId, connectionId, query);
  return { data: items.map(toView), nextCursor };
}

export interface PayloadDeps {
  store: InboundStore;
  connections: ReceiveDeps['connections'];
  events: Pick<EventStore, 'get'>;
  bodies: Pick<InboundBodies, 'get'>;
}

/**
 * An event's body, the exact bytes the provider sent, from its `inbound.received` event or
 * from the bucket. Keyed by the caller's tenant: another tenant's event is not found.
 */
export async function readInboundPayload(
  deps: PayloadDeps,
  tenantId: string,
  connectionId: string,
  eventId: string,
): Promise<{ body: Buffer; contentType: string | null }> {
  const [connection, item] = await Promise.all([deps.connections.get(tenantId, connectionId), deps.store.get(tenantId, connectionId, eventId)]);
  if (!connection || !item) throw new NotFound(`no inbound event ${eventId} on connection ${connectionId}`);
  const gone = () => new NotFound(`the body of inbound event ${eventId} is no longer kept (it expired with the event)`);
  if (item.payloadKey) {
    const body = await deps.bodies.get(item.payloadKey);
    if (!body) throw gone();
    return { body, contentType: item.contentType };
  }
  // Consistent: the event was committed with the item just read.
  const outbox = await deps.events.get(tenantId, item.eventId, { consistent: true });
  if (!outbox) throw gone();
  const payload = (outbox.data as InboundReceivedEventData).payload;
  // Only events received before large bodies were kept have neither.
  if (payload === null) throw new NotFound(`the body of inbound event ${eventId} was not kept (received when bodies over 256 KiB were not)`);
  return { body: Buffer.from(payload, 'utf8'), contentType: item.contentType };
}

export interface RouteDeps {
  store: InboundStore;
  startSync(tenantId: string, connectionId: string, input: SyncRunInput): Promise<SyncRun>;
  enqueue(messages: InboundMessage[], delaySeconds: number): Promise<void>;
  now?: () => Date;
}

/**
 * The worker's part: serve the connection's sync request if an event is still owed a run,
 * and mark the event with what became of it. A run holding the streams' locks (409) leaves
 * the request standing and puts one retry per connection on the queue; the run that the
 * retry starts covers every event that waited.
 */
export async function routeInboundEvent(deps: RouteDeps, message: InboundMessage): Promise<SyncOutcome | null> {
  const { tenantId, connectionId, inboundId } = message;
  const event = inboundId ? await deps.store.get(tenantId, connectionId, inboundId) : undefined;
  // A copy of a message already handled (SQS delivers at least once).
  if (inboundId && (!event || event.status === 'processed')) return null;
  const request = await deps.store.syncRequest(tenantId, connectionId);
  let outcome: SyncOutcome;
  let runId: string | null = request?.lastRunId ?? null;
  let detail: string | null = null;
  if (!request || request.requested <= request.started) {
    outcome = 'coalesced';
    detail = 'a run started after this event arrived';
  } else {
    const streams = request.wanted.map((key) => {
      const [name, params] = JSON.parse(key) as [string, Record<string, string>];
      return { name, params };
    });
    try {
      const run = await deps.startSync(tenantId, connectionId, { streams, mode: 'incremental' });
      await deps.store.coveredBy(tenantId, connectionId, request.requested, run.id);
      outcome = 'started';
      runId = run.id;
      detail = null;
    } catch (error) {
      if (error instanceof Conflict) {
        const now = Math.floor(nowOf(deps).getTime() / 1000);
        // One retry per connection; it becomes due a little before the message does.
        if (await deps.store.claimRetry(tenantId, connectionId, now + retrySeconds - 2, now)) {
          await deps.enqueue([{ tenantId, connectionId }], retrySeconds);
        }
        outcome = 'deferred';
        detail = `a run is syncing these streams now; another follows it (${error.message})`;
      } else if (error instanceof DomainError) {
        // The connection is gone or its streams no longer fit: no run will ever start, so the request is dropped.
        await deps.store.coveredBy(tenantId, connectionId, request.requested, null);
        outcome = 'failed';
        detail = error.message;
      } else throw error;
    }
  }
  if (event) await deps.store.finish(tenantId, connectionId, event.id, nowOf(deps).toISOString(), { streams: event.sync?.streams ?? [], outcome, runId, detail });
  return outcome;
}

/** Starts runs for routed events under the audit identity `inbound` (the audit log shows who). */
export const inboundAudit = (tenantId: string) => operatorAudit(tenantId, 'inbound', 'sync.start');

/**
 * The streams the catalog maps this event type to: its own key, or the longest key that is a
 * prefix of it ending before `.` or `/`. A stream whose params cannot be read from the body,
 * or do not match the stream's patterns, is left out (the event is still received).
 */
export function streamsFor(integration: Integration, eventType: string | null, json: unknown): Array<{ name: string; params: Record<string, string> }> {
  const routes = integration.webhooks?.events;
  if (!routes || !eventType) return [];
  const key = candidates(eventType).find((candidate) => Object.hasOwn(routes, candidate));
  if (!key) return [];
  return routes[key]!.flatMap((ref) => {
    const stream = integration.streams.find((s) => s.name === ref.stream);
    if (!stream) return [];
    const params: Record<string, string> = {};
    for (const [name, path] of Object.entries(ref.params ?? {})) {
      const value = fieldAt(json, path);
      const declared = (stream.params ?? []).find((p) => p.name === name);
      if (value === undefined || !declared || value.length > declared.maxLength || !compilePattern(declared.pattern).test(value)) return [];
      params[name] = value;
    }
    return [{ name: stream.name, params }];
  });
}

/** `issues.opened` → `issues.opened`, `issues`; `orders/create` → `orders/create`, `orders`. */
function candidates(eventType: string): string[] {
  const found = [eventType];
  for (let i = eventType.length - 1; i > 0; i--) if (eventType[i] === '.' || eventType[i] === '/') found.push(eventType.slice(0, i));
  return found;
}

/** The sync request's set holds each stream as this text: name and sorted params. */
export const streamKey = (stream: { name: string; params: Record<string, string> }) =>
  JSON.stringify([stream.name, Object.fromEntries(Object.entries(stream.params).sort(([a], [b]) => (a < b ? -1 : 1)))]);

function lowerCased(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function toView(item: InboundItem): InboundEvent {
  return {
    id: item.id,
    connectionId: item.connectionId,
    integration: item.integration,
    deliveryId: item.deliveryId,
    eventType: item.eventType,
    status: item.status,
    receivedAt: item.receivedAt,
    processedAt: item.processedAt,
    contentType: item.contentType,
    bodyBytes: item.bodyBytes,
    payloadUrl: payloadUrlOf(item.connectionId, item.id),
    sync: item.sync,
  };
}
