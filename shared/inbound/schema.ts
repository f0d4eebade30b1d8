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
      bodyBytes: z.number().int(),
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
 * text; null when over `maxEventPayloadBytes`, to keep the event within DynamoDB's item size).
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
