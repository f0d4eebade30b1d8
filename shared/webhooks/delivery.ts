import type { EventStore } from '../events/store';
import { NotFound } from '../platform/errors';
import { retryAfterMs, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import type { Vault } from '../vault/vault';
import type { DeliveryMessage } from './delivery-message';
import type { AttemptItem, DeliveryItem, DeliveryQuery, DeliveryStore, ErrorKind } from './delivery-store';
import type { Delivery } from './delivery-schema';
import { disableWebhookEndpoint, openSigningSecrets } from './service';
import { signatureHeader } from './signature';
import type { WebhookEndpointStore } from './store';

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
  /** Sends a message to the deliveries queue, hidden for `delaySeconds` (≤ 900). */
  enqueue: (message: DeliveryMessage, delaySeconds: number) => Promise<void>;
  /** The delay after attempt n at index n-1; Svix's unless a deployment (or a test) says otherwise. */
  scheduleMs?: readonly number[];
  /** Whether the endpoint's own per-second budget (`rateLimitPerSecond`) has room now. */
  admit?: (tenantId: string, endpointId: string, perSecond: number) => Promise<boolean>;
  /** How long deliveries are kept when their event's expiry is not known. */
  retentionDays?: number;
  now?: () => Date;
  random?: () => number;
}

export type MessageOutcome = 'deferred' | 'duplicate' | 'skipped' | 'succeeded' | 'retrying' | 'failed' | 'disabled';

/**
 * The wait before the next attempt: the scheduled delay ±20 % jitter (so a receiver that
 * recovers is not hit by every retry at once), or the receiver's Retry-After held within
 * 1–2× the scheduled delay (Svix #2199: honoured, but neither sooner nor unboundedly later).
 */
export function nextDelayMs(scheduledMs: number, retryAfter: number | undefined, random: () => number = Math.random): number {
  if (retryAfter !== undefined) return Math.min(Math.max(retryAfter, scheduledMs), 2 * scheduledMs);
  return Math.round(scheduledMs * (0.8 + 0.4 * random()));
}

/** Handles one queue message; throws only for infrastructure errors (the message is then retried by SQS). */
export async function deliverMessage(deps: DeliveryDeps, message: DeliveryMessage): Promise<MessageOutcome> {
  const now = deps.now?.() ?? new Date();
  if (message.notBefore && Date.parse(message.notBefore) > now.getTime()) {
    // A wait longer than SQS's 15 minutes: on again for what remains.
    await deps.enqueue(message, Math.min(maxDelaySeconds, Math.ceil((Date.parse(message.notBefore) - now.getTime()) / 1000)));
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
  if (endpoint.rateLimitPerSecond !== null && deps.admit && !(await deps.admit(tenantId, endpointId, endpoint.rateLimitPerSecond))) {
    // Over the endpoint's own budget this second: the same attempt, a second later.
    await deps.enqueue(message, 1);
    return 'deferred';
  }

  const claim: AttemptItem = {
    deliveryId, endpointId, attempt, state: 'sending', at: now.toISOString(),
    statusCode: null, latencyMs: null, responseHeaders: {}, responseBody: '', errorKind: null, error: null, expiresAt,
  };
  if (!(await deps.deliveries.claimAttempt(tenantId, claim, new Date(now.getTime() - staleClaimMs).toISOString()))) return 'duplicate';

  let secrets: string[];
  try {
    secrets = await openSigningSecrets({ store: deps.endpoints, vault: deps.vault, now: () => now }, tenantId, endpointId);
  } catch (error) {
    if (error instanceof NotFound) return skip('endpoint_deleted');
    throw error;
  }
  const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
  // New each attempt: receivers refuse old timestamps; the id stays, for their deduplication.
  const timestamp = nowSeconds;
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

  let outcome: MessageOutcome;
  let next: Pick<DeliveryItem, 'status' | 'nextAttemptAt' | 'reason'>;
  const schedule = deps.scheduleMs ?? svixScheduleMs;
  if (response && response.status >= 200 && response.status < 300) {
    outcome = 'succeeded';
    next = { status: 'succeeded', nextAttemptAt: null, reason: null };
  } else if (response?.status === 410) {
    // 410 Gone: the receiver says the endpoint is no more (Standard Webhooks); stop sending to it.
    await disableWebhookEndpoint({ store: deps.endpoints, now: () => now }, tenantId, endpointId);
    outcome = 'disabled';
    next = { status: 'failed', nextAttemptAt: null, reason: 'endpoint_gone' };
  } else if (attempt > schedule.length) {
    outcome = 'failed';
    next = { status: 'failed', nextAttemptAt: null, reason: 'attempts_exhausted' };
  } else {
    // Every other answer is retried, 3xx and 4xx too (as Svix does): a receiver's 400, 401
    // or 404 is as often a bad deploy or a secret not yet rolled out as a final refusal, and
    // retries that only cover 5xx lose messages (Nango #687, #7266).
    const delayMs = nextDelayMs(schedule[attempt - 1]!, response ? retryAfterMs(response.headers['retry-after'], now.getTime()) : undefined, deps.random);
    const due = new Date(now.getTime() + delayMs);
    const delaySeconds = Math.ceil(delayMs / 1000);
    // Scheduled before the attempt is recorded: if recording fails, SQS redelivers this
    // message and the stale claim lets it try again; the other order could record an
    // attempt whose successor was never sent, and the delivery would stop unseen.
    const { notBefore: _reached, ...rest } = message;
    await deps.enqueue(
      { ...rest, attempt: attempt + 1, ...(delaySeconds > maxDelaySeconds ? { notBefore: due.toISOString() } : {}) },
      Math.min(maxDelaySeconds, delaySeconds),
    );
    outcome = 'retrying';
    next = { status: 'pending', nextAttemptAt: due.toISOString(), reason: null };
  }
  await deps.deliveries.recordAttempt(tenantId, recorded);
  await deps.deliveries.putDelivery(tenantId, delivery({ ...next, attempts: attempt }));
  return outcome;
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
