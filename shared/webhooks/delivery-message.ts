import * as z from 'zod';

/**
 * One message on the `deliveries` queue: one event for one endpoint. The relay sends the
 * first (attempt 1); the delivery worker sends the next when an attempt fails and the
 * schedule allows another. `deliveryId` is the same for every attempt: it is the
 * `webhook-id` the receiver deduplicates on, and it is derived from the event and the
 * endpoint, so the relay sending a message twice names the same delivery.
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
  /** Not to be attempted before this time (ISO 8601); absent: at once. */
  notBefore: z.iso.datetime().optional(),
});
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;

/** The delivery of `eventId` to `endpointId`: `msg_` + the event's and endpoint's ids, deterministic. */
export const deliveryIdOf = (eventId: string, endpointId: string) => `msg_${eventId.replace(/^evt_/, '')}_${endpointId.replace(/^[a-z]+_/, '')}`;
