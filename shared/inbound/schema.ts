import * as z from 'zod';
import { responseSchema } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { PageQuery } from '../platform/pagination';

/**
 * The API's shapes for inbound provider webhooks: the receiving route's path, and the
 * events a connection received (`GET /v1/connections/{id}/inbound-events`).
 */
export const inboundIdPattern = idPattern('inb');
const ConnectionId = z.string().regex(idPattern('conn'), 'not a connection id (conn_…)');

export const HookPath = z.strictObject({
  integration: z.string().max(64).regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'an integration key (kebab-case)'),
  connectionId: ConnectionId,
});

export const InboundEventsPath = z.strictObject({ id: ConnectionId });
export const InboundPayloadPath = z.strictObject({ id: ConnectionId, eventId: z.string().regex(inboundIdPattern, 'not an inbound event id (inb_…)') });

/** Where an event's body is served, exactly as the provider sent it (`GET`, scope read). */
export const payloadUrlOf = (connectionId: string, id: string) => `/v1/connections/${connectionId}/inbound-events/${id}/payload`;
export const InboundEventListQuery = PageQuery;
export type InboundEventListQuery = z.infer<typeof InboundEventListQuery>;

/**
 * `received`: stored, its sync request waiting on the queue; `processed`: the worker is
 * done with it (or there was nothing to do).
 */
export const inboundStatuses = ['received', 'processed'] as const;
export type InboundStatus = (typeof inboundStatuses)[number];

/**
 * What an event's sync request came to: `started` a run, `coalesced` into a run started
 * after it arrived, `deferred` behind a run already syncing those streams (a follow-up run
 * is requested), `failed` (the detail says why).
 */
export const syncOutcomes = ['started', 'coalesced', 'deferred', 'failed'] as const;
export type SyncOutcome = (typeof syncOutcomes)[number];

export const InboundEvent = responseSchema(() =>
  z
    .object({
      id: z.string(),
      connectionId: z.string(),
      integration: z.string(),
      /** The provider's id of this delivery (deduplicated on): `X-GitHub-Delivery`, Stripe's `evt_…`, `webhook-id`. */
      deliveryId: z.string(),
      /** The provider's event type (`issues.opened`, `customer.created`, `orders/create`), or null when it sends none. */
      eventType: z.string().nullable(),
      status: z.enum(inboundStatuses),
      receivedAt: z.iso.datetime(),
      processedAt: z.iso.datetime().nullable(),
      contentType: z.string().nullable(),
      /** The body's size as it arrived, in bytes. */
      bodyBytes: z.number().int(),
      /** The body's exact bytes, with `contentType`, whatever its size: this API's path (`payloadUrlOf`). */
      payloadUrl: z.string(),
      /** The streams the catalog maps this event type to, and what the request to sync them came to. */
      sync: z
        .object({
          streams: z.array(z.object({ name: z.string(), params: z.record(z.string(), z.string()) })),
          outcome: z.enum(syncOutcomes).nullable(),
          runId: z.string().nullable(),
          detail: z.string().nullable(),
        })
        .nullable(),
    })
    .meta({ id: 'InboundEvent' }),
);
export type InboundEvent = z.infer<ReturnType<typeof InboundEvent>>;

/**
 * `inbound.received`: the event as listed, and the provider's body as it arrived (UTF-8
 * text). Null when it is over `maxEventPayloadBytes` (the event stays within DynamoDB's
 * item size) or not UTF-8: then it is kept in the uploads bucket, and `payloadUrl` serves it.
 */
export const InboundReceivedEventData = responseSchema(() =>
  InboundEvent()
    .extend({ payload: z.string().nullable() })
    .meta({ id: 'InboundReceivedEventData' }),
);
export type InboundReceivedEventData = z.infer<ReturnType<typeof InboundReceivedEventData>>;

/** What the receiving route answers the provider. */
export const HookAnswer = responseSchema(() =>
  z
    .object({
      received: z.boolean(),
      /** True when this delivery id was received before: nothing was done again. */
      duplicate: z.boolean(),
      id: z.string().nullable(),
    })
    .meta({ id: 'HookAnswer' }),
);
export type HookAnswer = z.infer<ReturnType<typeof HookAnswer>>;

// ---- Webhook subscriptions made through the provider's API ----

export const webhookSubscriptionIdPattern = idPattern('whsub');

export const WebhookSubscriptionsPath = z.strictObject({ id: ConnectionId });
export const WebhookSubscriptionPath = z.strictObject({
  id: ConnectionId,
  subscriptionId: z.string().regex(webhookSubscriptionIdPattern, 'not a webhook subscription id (whsub_…)'),
});
export const WebhookSubscriptionListQuery = PageQuery;
export type WebhookSubscriptionListQuery = z.infer<typeof WebhookSubscriptionListQuery>;

/**
 * What to subscribe to: the provider's event names (GitHub `issues`, Stripe
 * `customer.created`, Shopify `orders/create`), checked against the integration's
 * registration; `params` are what its API needs to know where (GitHub `owner`, `repo`).
 */
export const WebhookSubscriptionInput = z
  .strictObject({
    events: z.array(z.string().min(1).max(100)).min(1).max(100),
    params: z
      .record(z.string().max(64), z.string().max(255))
      .refine((m) => Object.keys(m).length <= 10, 'at most 10 params')
      .default({}),
  })
  .meta({ id: 'WebhookSubscriptionInput' });
export type WebhookSubscriptionInput = z.infer<typeof WebhookSubscriptionInput>;

/** A subscription as listed: never its secret, which only the receiver reads (the connection's `webhookSecret`). */
export const WebhookSubscription = responseSchema(() =>
  z
    .object({
      id: z.string(),
      connectionId: z.string(),
      integration: z.string(),
      /** The provider's id of it: GitHub's hook id, Stripe's `we_…`, Shopify's `gid://shopify/WebhookSubscription/…`. */
      providerId: z.string(),
      events: z.array(z.string()),
      params: z.record(z.string(), z.string()),
      /** Where the provider sends its deliveries: this connection's receiver. */
      url: z.string(),
      createdAt: z.iso.datetime(),
    })
    .meta({ id: 'WebhookSubscription' }),
);
export type WebhookSubscription = z.infer<ReturnType<typeof WebhookSubscription>>;

export const WebhookSubscriptionDeleted = responseSchema(() =>
  z
    .object({
      id: z.string(),
      deleted: z.literal(true),
      /** False when the provider no longer had it (removed there by hand): it is forgotten here all the same. */
      removedAtProvider: z.boolean(),
    })
    .meta({ id: 'WebhookSubscriptionDeleted' }),
);
