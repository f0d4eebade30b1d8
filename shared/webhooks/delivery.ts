import type { Event } from '../events/schema';
import type { EventStore } from '../events/store';
import type { Audit } from '../platform/audit';
import { Conflict, Invalid, NotFound } from '../platform/errors';
import { newId } from '../platform/ids';
import { retryAfterMs, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import type { Vault } from '../vault/vault';
import { deliveryIdOf, partsOfDeliveryId, type DeliveryMessage, type Lane, type QueueMessage, type ReplayMessage } from './delivery-message';
import type { AttemptItem, DeliveryItem, DeliveryQuery, DeliveryStore, ErrorKind } from './delivery-store';
import type { Delivery, ReplayStarted } from './delivery-schema';
import { matchesEventType } from './event-types';
import { disableWebhookEndpoint, openSigningSecrets } from './service';
import { signatureHeader } from './signature';
import type { WebhookEndpointItem, WebhookEndpointStore } from './store';

/**
 * The delivery worker's logic: one attempt of one event to one endpoint per queue message.
 *
 * Svix's schedule (FACTS): after attempt n fails, the next is due this long after it; the
 * message ends `failed` when the attempt after the last entry fails too (8 attempts over
 * about 28 hours).
 */
export const svixScheduleMs = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000].map((seconds) => seconds * 1000);
/** SQS delays a message by 15 minutes at most; longer waits are chained with `notBefore`. */
export const maxDelaySeconds = 900;
/** What an attempt keeps of the answer (FACTS: ≤ 20,000 bytes, Svix's figure). */
export const maxResponseBytes = 20_000;
/**
 * A claim older than this is a worker that died mid-send: the worker's timeout is 30 s
 * (a send 15 s at most), and a redelivered message returns after the queue's 180 s
 * visibility timeout, so a live claim is never taken over and a dead one always is.
 */
export const staleClaimMs = 60_000;
const maxHeaders = 50;
const maxHeaderValue = 1_000;

export interface DeliveryDeps {
  deliveries: DeliveryStore;
  endpoints: WebhookEndpointStore;
  events: EventStore;
  vault: Vault;
  /** One POST, never retried nor redirected (shared/platform/outbound.ts `send`, one attempt). */
  post: (request: OutboundRequest) => Promise<OutboundResponse>;
  /** Sends messages to a lane's queue, hidden for `delaySeconds` (≤ 900); throws unless all were sent. */
  enqueue: (messages: QueueMessage[], lane: Lane, delaySeconds?: number) => Promise<void>;
  /** The delay after attempt n of a run at index n-1; Svix's unless a deployment (or a test) says otherwise. */
  scheduleMs?: readonly number[];
  /** Whether the endpoint's own per-second budget (`rateLimitPerSecond`) has room now. */
  admit?: (tenantId: string, endpointId: string, perSecond: number) => Promise<boolean>;
  /** How long deliveries are kept when their event's expiry is not known. */
  retentionDays?: number;
  /** An endpoint failing without a success for this long is disabled (5 days unless configured). */
  disableAfterMs?: number;
  /** Writes the audit entry of a change made through the API (a message sent, not a row). */
  recordChange?: (audit: Audit, target: string, status: number) => Promise<void>;
  now?: () => Date;
  random?: () => number;
}

export type MessageOutcome = 'deferred' | 'moved' | 'duplicate' | 'skipped' | 'succeeded' | 'retrying' | 'failed' | 'disabled';

/** Svix disables an endpoint that has failed for 5 days without a success. */
export const defaultDisableAfterMs = 5 * 86_400_000;

/**
 * The wait before the next attempt: the scheduled delay ±20 % jitter (so a receiver that
 * recovers is not hit by every retry at once), or the receiver's Retry-After held within
 * 1–2× the scheduled delay (Svix #2199: honoured, but neither sooner nor unboundedly later).
 */
export function nextDelayMs(scheduledMs: number, retryAfter: number | undefined, random: () => number = Math.random): number {
  if (retryAfter !== undefined) return Math.min(Math.max(retryAfter, scheduledMs), 2 * scheduledMs);
  return Math.round(scheduledMs * (0.8 + 0.4 * random()));
}

const laneOf = (message: DeliveryMessage): Lane => message.lane ?? 'fresh';
const secondsUntil = (time: number, now: Date) => Math.min(maxDelaySeconds, Math.ceil((time - now.getTime()) / 1000));

/** Handles one queue message; throws only for infrastructure errors (the message is then retried by SQS). */
export async function handleQueueMessage(deps: DeliveryDeps, message: QueueMessage): Promise<MessageOutcome | 'replayed'> {
  return 'kind' in message ? replayPage(deps, message) : deliverMessage(deps, message);
}

/** One attempt of one delivery message. */
export async function deliverMessage(deps: DeliveryDeps, message: DeliveryMessage): Promise<MessageOutcome> {
  const now = deps.now?.() ?? new Date();
  const lane = laneOf(message);
  if (message.notBefore && Date.parse(message.notBefore) > now.getTime()) {
    // A wait longer than SQS's 15 minutes: on again for what remains.
    await deps.enqueue([message], lane, secondsUntil(Date.parse(message.notBefore), now));
    return 'deferred';
  }
  const { tenantId, endpointId, deliveryId, attempt } = message;
  const [endpoint, event] = await Promise.all([deps.endpoints.get(tenantId, endpointId), deps.events.get(tenantId, message.eventId)]);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const expiresAt = event?.expiresAt ?? nowSeconds + (deps.retentionDays ?? 30) * 86_400;
  const delivery = (changes: Pick<DeliveryItem, 'status' | 'nextAttemptAt' | 'reason'> & { attempts: number }): DeliveryItem => ({
    id: deliveryId,
    endpointId,
    eventId: message.eventId,
    eventType: event?.type ?? 'unknown',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt,
    ...changes,
  });
  const skip = async (reason: string) => {
    await deps.deliveries.putDelivery(tenantId, delivery({ status: 'failed', attempts: attempt - 1, nextAttemptAt: null, reason }));
    return 'skipped' as const;
  };
  if (!endpoint) return skip('endpoint_deleted');
  if (!endpoint.enabled) return skip('endpoint_disabled');
  if (!event || event.expiresAt <= nowSeconds) return skip('event_expired');
  if (lane === 'fresh' && endpoint.failingSince) {
    // A failing endpoint's messages wait on the retry lane: a receiver that times out
    // would otherwise hold the fresh lane's workers 15 s per message.
    await deps.enqueue([{ ...message, lane: 'retry' }], 'retry');
    return 'moved';
  }
  if (endpoint.rateLimitPerSecond !== null && deps.admit && !(await deps.admit(tenantId, endpointId, endpoint.rateLimitPerSecond))) {
    // Over the endpoint's own budget this second: the same attempt, a second later.
    await deps.enqueue([message], lane, 1);
    return 'deferred';
  }

  const sent = await sendAttempt(deps, { tenantId, endpoint, event, deliveryId, attempt, now, expiresAt });
  if (sent === 'done') return 'duplicate';
  if (sent === 'held') {
    // Another worker's claim, too young to take over: it may be sending now, or have died
    // a moment ago. Dropping this copy could lose the delivery; it comes back once that
    // claim is stale, and finds the attempt recorded or takes it over.
    await deps.enqueue([message], lane, Math.ceil(staleClaimMs / 1000));
    return 'deferred';
  }
  const { recorded, response } = sent;

  let outcome: MessageOutcome;
  let next: Pick<DeliveryItem, 'status' | 'nextAttemptAt' | 'reason'>;
  const schedule = deps.scheduleMs ?? svixScheduleMs;
  // The schedule counts from this run's first attempt (a retry or replay starts a new run).
  const runIndex = attempt - (message.firstAttempt ?? 1);
  const failingSince = endpoint.failingSince ? Date.parse(endpoint.failingSince) : undefined;
  if (recorded.errorKind === null) {
    outcome = 'succeeded';
    next = { status: 'succeeded', nextAttemptAt: null, reason: null };
    if (failingSince !== undefined) await deps.endpoints.setFailingSince(tenantId, endpointId, null);
  } else if (response?.status === 410) {
    // 410 Gone: the receiver says the endpoint is no more (Standard Webhooks); stop sending to it.
    await disableWebhookEndpoint({ store: deps.endpoints, now: () => now }, tenantId, endpointId, 'gone');
    outcome = 'disabled';
    next = { status: 'failed', nextAttemptAt: null, reason: 'endpoint_gone' };
  } else if (failingSince !== undefined && now.getTime() - failingSince >= (deps.disableAfterMs ?? defaultDisableAfterMs)) {
    await disableWebhookEndpoint({ store: deps.endpoints, now: () => now }, tenantId, endpointId, 'failing');
    outcome = 'disabled';
    next = { status: 'failed', nextAttemptAt: null, reason: 'endpoint_disabled' };
  } else if (runIndex >= schedule.length) {
    outcome = 'failed';
    next = { status: 'failed', nextAttemptAt: null, reason: 'attempts_exhausted' };
  } else {
    // Every other answer is retried, 3xx and 4xx too (as Svix does): a receiver's 400, 401
    // or 404 is as often a bad deploy or a secret not yet rolled out as a final refusal, and
    // retries that only cover 5xx lose messages (Nango #687, #7266).
    const delayMs = nextDelayMs(schedule[runIndex]!, response ? retryAfterMs(response.headers['retry-after'], now.getTime()) : undefined, deps.random);
    const due = new Date(now.getTime() + delayMs);
    const delaySeconds = Math.ceil(delayMs / 1000);
    // Scheduled before the attempt is recorded: if recording fails, SQS redelivers this
    // message and the stale claim lets it try again; the other order could record an
    // attempt whose successor was never sent, and the delivery would stop unseen.
    const { notBefore: _reached, ...rest } = message;
    await deps.enqueue(
      [{ ...rest, lane: 'retry', attempt: attempt + 1, ...(delaySeconds > maxDelaySeconds ? { notBefore: due.toISOString() } : {}) }],
      'retry',
      Math.min(maxDelaySeconds, delaySeconds),
    );
    outcome = 'retrying';
    next = { status: 'pending', nextAttemptAt: due.toISOString(), reason: null };
  }
  if (recorded.errorKind !== null && failingSince === undefined) await deps.endpoints.setFailingSince(tenantId, endpointId, recorded.at);
  await deps.deliveries.recordAttempt(tenantId, recorded);
  await deps.deliveries.putDelivery(tenantId, delivery({ ...next, attempts: attempt }));
  return outcome;
}

/**
 * Claims, signs, sends and builds the record of one attempt; `done` when it was made
 * already, `held` when another worker's claim on it is too young to take over. The caller records it, once it has decided what
 * comes next.
 */
async function sendAttempt(
  deps: Pick<DeliveryDeps, 'deliveries' | 'endpoints' | 'vault' | 'post'>,
  attempt: { tenantId: string; endpoint: WebhookEndpointItem; event: Pick<Event, 'type' | 'timestamp' | 'data'> | TestEvent; deliveryId: string; attempt: number; now: Date; expiresAt: number },
): Promise<'done' | 'held' | { recorded: AttemptItem; response?: OutboundResponse }> {
  const { tenantId, endpoint, event, deliveryId, now, expiresAt } = attempt;
  const claim: AttemptItem = {
    deliveryId, endpointId: endpoint.id, attempt: attempt.attempt, state: 'sending', at: now.toISOString(),
    statusCode: null, latencyMs: null, responseHeaders: {}, responseBody: '', errorKind: null, error: null, expiresAt,
  };
  const claimed = await deps.deliveries.claimAttempt(tenantId, claim, new Date(now.getTime() - staleClaimMs).toISOString());
  if (claimed !== 'claimed') return claimed;

  const secrets = await openSigningSecrets({ store: deps.endpoints, vault: deps.vault, now: () => now }, tenantId, endpoint.id);
  const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
  // New each attempt: receivers refuse old timestamps; the id stays, for their deduplication.
  const timestamp = Math.floor(now.getTime() / 1000);
  const headers = {
    ...endpoint.headers,
    'content-type': 'application/json',
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, deliveryId, timestamp, body),
  };

  const started = performance.now();
  let response: OutboundResponse | undefined;
  let failure: Error | undefined;
  try {
    response = await deps.post({ method: 'POST', url: endpoint.url, headers, body });
  } catch (error) {
    failure = error as Error;
  }
  const recorded: AttemptItem = {
    ...claim,
    state: 'done',
    statusCode: response?.status ?? null,
    latencyMs: response?.latencyMs ?? Math.round(performance.now() - started),
    responseHeaders: response ? headersOf(response.headers) : {},
    responseBody: response ? Buffer.from(response.body).subarray(0, maxResponseBytes).toString('utf8') : '',
    errorKind: response ? (response.status >= 200 && response.status < 300 ? null : 'http_status') : errorKindOf(failure!),
    error: response ? null : failure!.message.slice(0, maxHeaderValue),
  };
  return { recorded, ...(response ? { response } : {}) };
}

/** What `POST /v1/webhook-endpoints/{id}/test` sends: never in the event log, to this endpoint only. */
export interface TestEvent {
  type: 'test';
  timestamp: string;
  data: { endpointId: string; message: string };
}

/**
 * Sends a `test` event to the endpoint now, enabled or not, and answers the delivery with
 * its one attempt. A test is attempted once and changes nothing about the endpoint: not
 * its health, and a 410 does not disable it.
 */
export async function sendTestEvent(
  deps: Pick<DeliveryDeps, 'deliveries' | 'endpoints' | 'vault' | 'post' | 'retentionDays' | 'recordChange' | 'now'>,
  audit: Audit,
  endpointId: string,
): Promise<Delivery> {
  const { tenantId } = audit;
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint) throw new NotFound(`no webhook endpoint ${endpointId}`);
  const now = deps.now?.() ?? new Date();
  const eventId = newId('evt', now.getTime());
  const deliveryId = deliveryIdOf(eventId, endpointId);
  const expiresAt = Math.floor(now.getTime() / 1000) + (deps.retentionDays ?? 30) * 86_400;
  const event: TestEvent = { type: 'test', timestamp: now.toISOString(), data: { endpointId, message: 'A test event from Junction.' } };
  const sent = await sendAttempt(deps, { tenantId, endpoint, event, deliveryId, attempt: 1, now, expiresAt });
  // A fresh id was claimed a moment ago: no other worker can hold it.
  if (typeof sent === 'string') throw new Error(`the new delivery ${deliveryId} was claimed twice`);
  const item: DeliveryItem = {
    id: deliveryId, endpointId, eventId, eventType: 'test',
    status: sent.recorded.errorKind === null ? 'succeeded' : 'failed',
    attempts: 1, nextAttemptAt: null, reason: sent.recorded.errorKind === null ? null : 'test_not_retried',
    createdAt: now.toISOString(), updatedAt: now.toISOString(), expiresAt,
  };
  await deps.deliveries.recordAttempt(tenantId, sent.recorded);
  await deps.deliveries.putDelivery(tenantId, item);
  await deps.recordChange?.(audit, deliveryId, 200);
  return toView(item, [sent.recorded]);
}

/**
 * Sends a delivery again now: a new run of attempts on the schedule, with the same
 * `webhook-id`. Refused while an attempt is scheduled, for a disabled endpoint, and when
 * the event has left the log (or was a test, which never enters it).
 */
export async function retryDelivery(
  deps: Pick<DeliveryDeps, 'deliveries' | 'endpoints' | 'events' | 'enqueue' | 'recordChange' | 'now'>,
  audit: Audit,
  deliveryId: string,
): Promise<Delivery> {
  const { tenantId } = audit;
  const { endpointId, eventId } = partsOfDeliveryId(deliveryId);
  const item = await deps.deliveries.get(tenantId, endpointId, deliveryId);
  if (!item) throw new NotFound(`no webhook delivery ${deliveryId}`);
  if (item.status === 'pending') throw new Conflict(`delivery ${deliveryId} already has an attempt scheduled (${item.nextAttemptAt}); wait for it or retry once it has ended`);
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint) throw new NotFound(`no webhook delivery ${deliveryId}: its endpoint was deleted`);
  if (!endpoint.enabled) throw new Conflict(`webhook endpoint ${endpointId} is disabled; enable it (PATCH enabled: true) before retrying its deliveries`);
  if (item.eventType === 'test') throw new Conflict('a test delivery is not retried; send another test (POST /v1/webhook-endpoints/{id}/test)');
  const now = deps.now?.() ?? new Date();
  const event = await deps.events.get(tenantId, eventId);
  if (!event || event.expiresAt <= Math.floor(now.getTime() / 1000)) throw new Conflict(`event ${eventId} is no longer in the event log (past its retention); it cannot be sent again`);
  const attempt = item.attempts + 1;
  await deps.enqueue([{ tenantId, endpointId, eventId, deliveryId, attempt, firstAttempt: attempt }], 'fresh');
  const pending: DeliveryItem = { ...item, status: 'pending', nextAttemptAt: now.toISOString(), reason: null, updatedAt: now.toISOString() };
  // The attempt's own record wins if the worker got there first (putDelivery keeps the later attempt).
  await deps.deliveries.putDelivery(tenantId, pending);
  await deps.recordChange?.(audit, deliveryId, 202);
  return toView(pending, await deps.deliveries.attempts(tenantId, endpointId, deliveryId));
}

/** How far back a replay may reach (Svix's recovery window). */
export const maxReplayDays = 14;

/**
 * Starts a replay of the endpoint's events between `since` and `until` (now if absent):
 * every event of the log in the window that the endpoint subscribes to is sent again,
 * except those with an attempt still scheduled. The worker does it a page at a time.
 */
export async function startReplay(
  deps: Pick<DeliveryDeps, 'endpoints' | 'enqueue' | 'recordChange' | 'now'>,
  audit: Audit,
  endpointId: string,
  window: { since: string; until?: string },
): Promise<ReplayStarted> {
  const { tenantId } = audit;
  const now = deps.now?.() ?? new Date();
  const since = new Date(window.since);
  const until = window.until ? new Date(window.until) : now;
  const earliest = now.getTime() - maxReplayDays * 86_400_000;
  const problems = [
    ...(since.getTime() < earliest ? [{ field: 'body.since', message: `at most ${maxReplayDays} days back (not before ${new Date(earliest).toISOString()})` }] : []),
    ...(until.getTime() <= since.getTime() ? [{ field: 'body.until', message: 'must be after since' }] : []),
    ...(until.getTime() > now.getTime() + 60_000 ? [{ field: 'body.until', message: 'must not be in the future' }] : []),
  ];
  if (problems.length > 0) throw new Invalid('the replay window is refused', problems);
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint) throw new NotFound(`no webhook endpoint ${endpointId}`);
  if (!endpoint.enabled) throw new Conflict(`webhook endpoint ${endpointId} is disabled; enable it (PATCH enabled: true) before replaying`);
  const replay = { endpointId, since: since.toISOString(), until: until.toISOString() };
  await deps.enqueue([{ kind: 'replay', tenantId, ...replay }], 'fresh');
  await deps.recordChange?.(audit, endpointId, 202);
  return { ...replay, status: 'queued' };
}

const replayPageSize = 100;

/** One page of a replay: a delivery message per matching event, then the next page's message. */
async function replayPage(deps: DeliveryDeps, message: ReplayMessage): Promise<'replayed'> {
  const { tenantId, endpointId } = message;
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint?.enabled) return 'replayed';
  const now = deps.now?.() ?? new Date();
  const page = await deps.events.list(tenantId, {
    limit: replayPageSize,
    ...(message.cursor ? { cursor: message.cursor } : {}),
    since: new Date(message.since),
    until: new Date(message.until),
    now,
  });
  const events = page.items.filter((event) => endpoint.eventTypes.some((filter) => matchesEventType(filter, event.type)));
  const current = await Promise.all(events.map((event) => deps.deliveries.get(tenantId, endpointId, deliveryIdOf(event.id, endpointId))));
  const messages = events.flatMap((event, i): DeliveryMessage[] => {
    const item = current[i];
    if (item?.status === 'pending') return [];
    const attempt = (item?.attempts ?? 0) + 1;
    return [{ tenantId, endpointId, eventId: event.id, deliveryId: deliveryIdOf(event.id, endpointId), attempt, firstAttempt: attempt }];
  });
  // The page's deliveries before the next page: a crash between the two repeats this page,
  // whose deliveries are pending by then (or claimed), so nothing is sent twice.
  if (messages.length > 0) await deps.enqueue(messages, 'fresh');
  if (page.nextCursor) await deps.enqueue([{ ...message, cursor: page.nextCursor }], 'fresh');
  return 'replayed';
}

/** The tenant's deliveries to one endpoint, newest first, each with its attempts. */
export async function listDeliveries(
  deps: Pick<DeliveryDeps, 'deliveries' | 'endpoints'>,
  tenantId: string,
  endpointId: string,
  query: DeliveryQuery,
): Promise<{ data: Delivery[]; nextCursor: string | null }> {
  if (!(await deps.endpoints.get(tenantId, endpointId))) throw new NotFound(`no webhook endpoint ${endpointId}`);
  const { items, nextCursor } = await deps.deliveries.list(tenantId, endpointId, query);
  const attempts = await Promise.all(items.map((item) => deps.deliveries.attempts(tenantId, endpointId, item.id)));
  return { data: items.map((item, i) => toView(item, attempts[i]!)), nextCursor };
}

/** How much of an answer the list shows per attempt: a page of 100 deliveries must fit a Lambda response (6 MB). */
export const responseExcerptChars = 1_000;

function toView(item: DeliveryItem, attempts: AttemptItem[]): Delivery {
  return {
    id: item.id,
    endpointId: item.endpointId,
    eventId: item.eventId,
    eventType: item.eventType,
    status: item.status,
    reason: item.reason,
    attemptCount: item.attempts,
    nextAttemptAt: item.nextAttemptAt,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    attempts: attempts
      .filter((a) => a.state === 'done')
      .map((a) => ({
        attempt: a.attempt,
        at: a.at,
        statusCode: a.statusCode,
        latencyMs: a.latencyMs,
        responseHeaders: a.responseHeaders,
        responseExcerpt: a.responseBody.slice(0, responseExcerptChars),
        errorKind: a.errorKind,
        error: a.error,
      })),
  };
}

function headersOf(headers: OutboundResponse['headers']): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([, value]) => value !== undefined)
      .slice(0, maxHeaders)
      .map(([name, value]) => [name, (Array.isArray(value) ? value.join(', ') : value!).slice(0, maxHeaderValue)]),
  );
}

/** Why no answer came: the outbound client's refusal of a forbidden address, its timeout, or the network. */
function errorKindOf(error: Error): ErrorKind {
  if (/forbidden address|not allowed/i.test(error.message)) return 'forbidden_address';
  if (/timeout|timed out|aborted/i.test(error.message) || error.name === 'TimeoutError') return 'timeout';
  return 'connection';
}
