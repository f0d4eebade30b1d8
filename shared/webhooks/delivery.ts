import { tally } from '../metrics/tally';
import type { Event } from '../events/schema';
import type { EventItem, EventStore } from '../events/store';
import type { Audit } from '../platform/audit';
import { Conflict, Invalid, NotFound } from '../platform/errors';
import { newId } from '../platform/ids';
import { retryAfterMs, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import type { Vault } from '../vault/vault';
import { deliveryIdOf, partsOfDeliveryId, type DeliveryMessage, type Lane, type QueueMessage, type ReplayMessage } from './delivery-message';
import type { AttemptItem, DeliveryItem, DeliveryQuery, DeliveryStore, ErrorKind } from './delivery-store';
import type { Delivery, ReplayStarted } from './delivery-schema';
import { matchesEventType } from './event-types';
import { disableWebhookEndpoint, previousSecretValidMs, signingSecretsOf } from './service';
import { signatureHeader } from './signature';
import type { SigningEndpoint, WebhookEndpointStore } from './store';

/**
 * The delivery worker's logic: one attempt of one event to one endpoint per queue message,
 * the messages of an SQS batch together.
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
export type QueueOutcome = MessageOutcome | 'replayed';

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

/** What a batch's deliveries read together: each endpoint with its secrets, each event. */
interface BatchReads {
  endpoint(tenantId: string, id: string): SigningEndpoint | undefined;
  event(tenantId: string, id: string): EventItem | undefined;
}

const keyOf = (tenantId: string, id: string) => `${tenantId}/${id}`;
const isEarly = (message: DeliveryMessage, now: Date) => message.notBefore !== undefined && Date.parse(message.notBefore) > now.getTime();

/**
 * Handles an SQS batch: the endpoints (with their secrets) and the events its deliveries
 * need are read in two requests for the whole batch, not two per message; then every
 * message goes its own way, in parallel. Answers per message its outcome, or the
 * (infrastructure) error that leaves it to SQS to deliver again.
 */
export async function handleBatch(deps: DeliveryDeps, messages: QueueMessage[]): Promise<Array<QueueOutcome | Error>> {
  const now = deps.now?.() ?? new Date();
  const due = messages.filter((message): message is DeliveryMessage => !('kind' in message) && !isEarly(message, now));
  const reading = readForDelivery(deps, due, now);
  // Awaited by each message that needs it, which then fails with its error.
  reading.catch(() => undefined);
  return Promise.all(
    messages.map(async (message) => {
      try {
        return 'kind' in message ? await replayPage(deps, message, now) : await deliverMessage(deps, message, reading, now);
      } catch (error) {
        return error as Error;
      }
    }),
  );
}

/** One message alone, as a batch of one; throws what would leave it to SQS. */
export async function handleQueueMessage(deps: DeliveryDeps, message: QueueMessage): Promise<QueueOutcome> {
  const [outcome] = await handleBatch(deps, [message]);
  if (outcome instanceof Error) throw outcome;
  return outcome!;
}

async function readForDelivery(deps: DeliveryDeps, messages: DeliveryMessage[], now: Date): Promise<BatchReads> {
  const endpointKeys = messages.map(({ tenantId, endpointId }) => ({ tenantId, id: endpointId }));
  const eventKeys = messages.map(({ tenantId, eventId }) => ({ tenantId, id: eventId }));
  const rotatedSince = new Date(now.getTime() - previousSecretValidMs).toISOString();
  const [endpoints, events] = await Promise.all([deps.endpoints.getWithSecrets(endpointKeys, rotatedSince), deps.events.getMany(eventKeys)]);
  const endpointOf = new Map(endpointKeys.map(({ tenantId, id }, i) => [keyOf(tenantId, id), endpoints[i]]));
  const eventOf = new Map(eventKeys.map(({ tenantId, id }, i) => [keyOf(tenantId, id), events[i]]));
  return { endpoint: (tenantId, id) => endpointOf.get(keyOf(tenantId, id)), event: (tenantId, id) => eventOf.get(keyOf(tenantId, id)) };
}

/** One attempt of one delivery message. */
async function deliverMessage(deps: DeliveryDeps, message: DeliveryMessage, reading: Promise<BatchReads>, now: Date): Promise<MessageOutcome> {
  const lane = laneOf(message);
  if (isEarly(message, now)) {
    // A wait longer than SQS's 15 minutes: on again for what remains.
    await deps.enqueue([message], lane, secondsUntil(Date.parse(message.notBefore!), now));
    return 'deferred';
  }
  const { tenantId, endpointId, deliveryId, attempt } = message;
  const reads = await reading;
  const signing = reads.endpoint(tenantId, endpointId);
  const event = reads.event(tenantId, message.eventId);
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
  if (!signing) return skip('endpoint_deleted');
  const { endpoint } = signing;
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

  const claim = { ...delivery({ status: 'pending', attempts: attempt, nextAttemptAt: now.toISOString(), reason: null }), sendingSince: now.toISOString() };
  const sent = await sendAttempt(deps, { tenantId, signing, event, claim, now });
  if (sent === 'done') return 'duplicate';
  if (sent === 'held') {
    // Another worker's claim, too young to take over: it may be sending now, or have died
    // a moment ago. Dropping this copy could lose the delivery; it comes back once that
    // claim is stale, and finds the attempt recorded or takes it over.
    await deps.enqueue([message], lane, Math.ceil(staleClaimMs / 1000));
    return 'deferred';
  }
  const { recorded, response, earlier } = sent;

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
  await deps.deliveries.record(tenantId, delivery({ ...next, attempts: attempt }), recorded, earlier);
  // Counted once recorded: a redelivered copy finds the attempt made (`done`) and counts nothing.
  const failed = recorded.errorKind !== null;
  tally.count(tenantId, 'webhook', { endpoint: endpointId }, { attempts: 1, deliveries: failed ? 0 : 1, failures: failed ? 1 : 0 }, recorded.latencyMs ?? undefined);
  if (failed) {
    const answer = recorded.statusCode === null ? (recorded.error ?? recorded.errorKind) : `HTTP ${recorded.statusCode}`;
    tally.fail(tenantId, { kind: `webhook.${recorded.errorKind}` }, `endpoint ${endpointId}, attempt ${attempt}: ${answer}`);
  }
  return outcome;
}

/**
 * Claims, signs, sends and builds the record of one attempt; `done` when it was made
 * already, `held` when another worker's claim on it is too young to take over. The caller
 * records it once it has decided what comes next, with the attempt that ended an earlier
 * run (`earlier`), which the claim handed back.
 */
async function sendAttempt(
  deps: Pick<DeliveryDeps, 'deliveries' | 'vault' | 'post'>,
  attempt: { tenantId: string; signing: SigningEndpoint; event: Pick<Event, 'type' | 'timestamp' | 'data'> | TestEvent; claim: DeliveryItem & { sendingSince: string }; now: Date },
): Promise<'done' | 'held' | { recorded: AttemptItem; response?: OutboundResponse; earlier?: AttemptItem }> {
  const { tenantId, signing: { endpoint, secrets: sealed }, event, claim, now } = attempt;
  const claimed = await deps.deliveries.claim(tenantId, claim, new Date(now.getTime() - staleClaimMs).toISOString());
  if (typeof claimed === 'string') return claimed;

  const deliveryId = claim.id;
  const secrets = await signingSecretsOf({ vault: deps.vault, now: () => now }, tenantId, endpoint.id, sealed);
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
    deliveryId,
    endpointId: endpoint.id,
    attempt: claim.attempts,
    at: now.toISOString(),
    expiresAt: claim.expiresAt,
    statusCode: response?.status ?? null,
    latencyMs: response?.latencyMs ?? Math.round(performance.now() - started),
    responseHeaders: response ? headersOf(response.headers) : {},
    responseBody: response ? Buffer.from(response.body).subarray(0, maxResponseBytes).toString('utf8') : '',
    errorKind: response ? (response.status >= 200 && response.status < 300 ? null : 'http_status') : errorKindOf(failure!),
    error: response ? null : failure!.message.slice(0, maxHeaderValue),
  };
  return { recorded, ...(response ? { response } : {}), ...(claimed.earlier ? { earlier: claimed.earlier } : {}) };
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
  const now = deps.now?.() ?? new Date();
  const [signing] = await deps.endpoints.getWithSecrets([{ tenantId, id: endpointId }], new Date(now.getTime() - previousSecretValidMs).toISOString());
  if (!signing) throw new NotFound(`no webhook endpoint ${endpointId}`);
  const eventId = newId('evt', now.getTime());
  const deliveryId = deliveryIdOf(eventId, endpointId);
  const expiresAt = Math.floor(now.getTime() / 1000) + (deps.retentionDays ?? 30) * 86_400;
  const event: TestEvent = { type: 'test', timestamp: now.toISOString(), data: { endpointId, message: 'A test event from Junction.' } };
  const claim: DeliveryItem & { sendingSince: string } = {
    id: deliveryId, endpointId, eventId, eventType: 'test', status: 'pending', attempts: 1, nextAttemptAt: now.toISOString(), reason: null,
    createdAt: now.toISOString(), updatedAt: now.toISOString(), expiresAt, sendingSince: now.toISOString(),
  };
  const sent = await sendAttempt(deps, { tenantId, signing, event, claim, now });
  // A fresh id was claimed a moment ago: no other worker can hold it.
  if (typeof sent === 'string') throw new Error(`the new delivery ${deliveryId} was claimed twice`);
  const { sendingSince: _sent, ...item } = claim;
  const ended: DeliveryItem = {
    ...item,
    status: sent.recorded.errorKind === null ? 'succeeded' : 'failed',
    nextAttemptAt: null,
    reason: sent.recorded.errorKind === null ? null : 'test_not_retried',
  };
  await deps.deliveries.record(tenantId, ended, sent.recorded);
  await deps.recordChange?.(audit, deliveryId, 200);
  return toView(ended, [sent.recorded]);
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
  return toView(pending, await deps.deliveries.attempts(tenantId, pending));
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
async function replayPage(deps: DeliveryDeps, message: ReplayMessage, now: Date): Promise<'replayed'> {
  const { tenantId, endpointId } = message;
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint?.enabled) return 'replayed';
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
  const attempts = await Promise.all(items.map((item) => deps.deliveries.attempts(tenantId, item)));
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
    attempts: attempts.map((a) => ({
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
