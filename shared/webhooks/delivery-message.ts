import * as z from 'zod';

/**
 * The messages of the delivery queues.
 *
 * A delivery message is one attempt of one event to one endpoint. The relay sends the
 * first (attempt 1); the delivery worker sends the next when an attempt fails and the
 * schedule allows another; a retry or a replay through the API starts a new run of
 * attempts (`firstAttempt`), whose schedule counts from its own first attempt.
 * `deliveryId` is the same for every attempt: it is the `webhook-id` the receiver
 * deduplicates on, and it is derived from the event and the endpoint, so the relay
 * sending a message twice names the same delivery.
 *
 * Two lanes: first attempts travel on the `deliveries` queue; retries, and every message
 * to an endpoint that is failing, on `delivery-retries`, which has a worker and a
 * concurrency cap of its own, so a failing or stalled receiver holds up no healthy one.
 *
 * SQS delays a message by 15 minutes at most: a longer wait is carried by `notBefore`,
 * and a worker that receives the message earlier sends it on again for the rest.
 */
export const DeliveryMessage = z.strictObject({
  tenantId: z.string().min(1),
  endpointId: z.string().min(1),
  eventId: z.string().min(1),
  deliveryId: z.string().min(1),
  /** Which attempt this message makes, from 1. */
  attempt: z.number().int().min(1),
  /** The first attempt of this run: 1, or the attempt a retry or a replay started at. */
  firstAttempt: z.number().int().min(1).optional(),
  /** Set on the retry lane's messages. */
  lane: z.literal('retry').optional(),
  /** Not to be attempted before this time (ISO 8601); absent: at once. */
  notBefore: z.iso.datetime().optional(),
});
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

/**
 * One page of a replay (`POST /v1/webhook-endpoints/{id}/replay`): the worker sends a
 * delivery message for each matching event of the page, then the message for the next
 * page, so a replay of many events never has to fit one invocation.
 */
export const ReplayMessage = z.strictObject({
  kind: z.literal('replay'),
  tenantId: z.string().min(1),
  endpointId: z.string().min(1),
  since: z.iso.datetime(),
  until: z.iso.datetime(),
  cursor: z.string().min(1).optional(),
});
export type ReplayMessage = z.infer<typeof ReplayMessage>;

export const QueueMessage = z.union([DeliveryMessage, ReplayMessage]);
export type QueueMessage = z.infer<typeof QueueMessage>;
export type Lane = 'fresh' | 'retry';

/** The delivery of `eventId` to `endpointId`: `msg_` + the event's and endpoint's ids, deterministic. */
export const deliveryIdOf = (eventId: string, endpointId: string) => `msg_${eventId.replace(/^evt_/, '')}_${endpointId.replace(/^[a-z]+_/, '')}`;

export const deliveryIdPattern = /^msg_[0-9A-HJKMNP-TV-Z]{26}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The event and the endpoint a delivery id names (the inverse of `deliveryIdOf`). */
export function partsOfDeliveryId(deliveryId: string): { eventId: string; endpointId: string } {
  const [, event, endpoint] = deliveryId.split('_');
  return { eventId: `evt_${event}`, endpointId: `whep_${endpoint}` };
}
