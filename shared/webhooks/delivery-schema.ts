import * as z from 'zod';
import { responseSchema } from '../platform/contract';
import { PageQuery } from '../platform/pagination';
import { deliveryIdPattern } from './delivery-message';
import { webhookEndpointIdPattern } from './schema';

export const DeliveryListQuery = PageQuery.extend({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  /** One event type exactly (`connection.created`). */
  eventType: z.string().min(1).max(100).regex(/^[a-z_]+\.[a-z_]+$|^test$/, 'an event type, e.g. connection.created').optional(),
  /** Deliveries first attempted at or after this time (ISO 8601). */
  since: z.iso.datetime().optional(),
});
export type DeliveryListQuery = z.infer<typeof DeliveryListQuery>;

export const DeliveriesPath = z.strictObject({
  id: z.string().regex(webhookEndpointIdPattern, 'not a webhook endpoint id (whep_…)'),
});

const Attempt = () =>
  z
    .object({
      attempt: z.number().int().meta({ example: 1 }),
      at: z.iso.datetime(),
      /** The receiver's status code; null when no answer came. */
      statusCode: z.number().int().nullable().meta({ example: 503 }),
      latencyMs: z.number().int().nullable().meta({ example: 84 }),
      responseHeaders: z.record(z.string(), z.string()),
      /** The answer's first 1,000 characters (20,000 bytes are kept). */
      responseExcerpt: z.string().meta({ example: 'Service Unavailable' }),
      /** Why the attempt failed: an HTTP status, a timeout (15 s), a connection failure or a forbidden address. */
      errorKind: z.enum(['timeout', 'connection', 'forbidden_address', 'http_status']).nullable(),
      error: z.string().nullable(),
    })
    .meta({ id: 'WebhookAttempt' });

export const Delivery = responseSchema(() =>
  z
    .object({
      /** The `webhook-id` the receiver saw on every attempt. */
      id: z.string().meta({ example: 'msg_01JCZ8X7Q4B3N5M6P7R8S9T0V1_01JCZ8X7Q4B3N5M6P7R8S9T0V2' }),
      endpointId: z.string(),
      eventId: z.string(),
      eventType: z.string().meta({ example: 'connection.created' }),
      status: z.enum(['pending', 'succeeded', 'failed']),
      /** Why a delivery ended `failed`: `attempts_exhausted`, `endpoint_gone` (410), `endpoint_disabled`, `endpoint_deleted`, `event_expired`. */
      reason: z.string().nullable(),
      attemptCount: z.number().int(),
      /** When the next attempt is due; null once the delivery has ended. */
      nextAttemptAt: z.iso.datetime().nullable(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
      attempts: z.array(Attempt()),
    })
    .meta({ id: 'WebhookDelivery' }),
);
export type Delivery = z.infer<ReturnType<typeof Delivery>>;

export const DeliveryPath = z.strictObject({
  id: z.string().regex(deliveryIdPattern, 'not a webhook delivery id (msg_…_…)'),
});

export const ReplayInput = z
  .strictObject({
    /** Events at or after this time; at most 14 days back. */
    since: z.iso.datetime({ offset: true }).meta({ example: '2026-12-06T00:00:00Z' }),
    /** Events at or before this time; now when absent. */
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'WebhookReplayInput' });
export type ReplayInput = z.infer<typeof ReplayInput>;

export const ReplayStarted = responseSchema(() =>
  z
    .object({
      endpointId: z.string(),
      since: z.iso.datetime(),
      until: z.iso.datetime(),
      /** The replay runs on the delivery queue a page of events at a time; its deliveries show in the endpoint's deliveries. */
      status: z.literal('queued'),
    })
    .meta({ id: 'WebhookReplayStarted' }),
);
export type ReplayStarted = z.infer<ReturnType<typeof ReplayStarted>>;
