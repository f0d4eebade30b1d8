import * as z from 'zod';
import { Connection } from '../connections/schema';
import { responseSchema } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { PageQuery } from '../platform/pagination';
import { SyncRun } from '../syncs/schema';
import { WebhookEndpoint } from '../webhooks/schema';
import { InboundReceivedEventData } from '../inbound/schema';
import { UploadEventData } from '../uploads/schema';
import { Alert } from '../alerts/schema';
import { eventTypes, type EventType } from './types';

export { eventTypes, type EventType };

export const eventIdPattern = idPattern('evt');

/** `connection.*` → `connection.`: the families a wildcard may name. */
const families = new Set(eventTypes.map((type) => type.slice(0, type.indexOf('.') + 1)));

/**
 * A type filter: one type exactly, or a family (`connection.*`). Unknown types are refused
 * rather than answered with an empty list, so a typo says so.
 */
const TypeFilter = z
  .string()
  .max(64)
  .refine(
    (filter) => (eventTypes as readonly string[]).includes(filter) || (filter.endsWith('.*') && families.has(filter.slice(0, -1))),
    `an event type (${eventTypes.join(', ')}) or a family of them (${[...families].map((family) => `${family}*`).join(', ')})`,
  );

export const EventListQuery = PageQuery.extend({
  type: TypeFilter.optional(),
  /** Events at or after this time (ISO 8601, with Z or an offset). */
  since: z.iso.datetime({ offset: true }).optional(),
});
export type EventListQuery = z.infer<typeof EventListQuery>;

export const EventPath = z.strictObject({
  id: z.string().regex(eventIdPattern, 'not an event id (evt_…)'),
});

/** What a connection event carries: the connection as the API shows it, and why it failed auth. */
export const ConnectionEventData = responseSchema(() =>
  Connection()
    .extend({
      /** `connection.auth_failed`: the provider's error code (e.g. `invalid_grant`). */
      reason: z.string().optional(),
    })
    .meta({ id: 'ConnectionEventData' }),
);
export type ConnectionEventData = z.infer<ReturnType<typeof ConnectionEventData>>;

/**
 * `webhook_endpoint.disabled`: the endpoint as the API shows it, and why Junction turned it
 * off: `gone` (its receiver answered 410) or `failing` (no success for the configured days).
 */
export const WebhookEndpointEventData = responseSchema(() =>
  WebhookEndpoint()
    .extend({ reason: z.enum(['gone', 'failing']) })
    .meta({ id: 'WebhookEndpointEventData' }),
);
export type WebhookEndpointEventData = z.infer<ReturnType<typeof WebhookEndpointEventData>>;

/** `records.changed`: what one stream of a finished run changed in the records store. */
export const RecordsChangedEventData = responseSchema(() =>
  z
    .object({
      connectionId: z.string(),
      runId: z.string(),
      stream: z.string(),
      added: z.number().int(),
      updated: z.number().int(),
      deleted: z.number().int(),
    })
    .meta({ id: 'RecordsChangedEventData' }),
);
export type RecordsChangedEventData = z.infer<ReturnType<typeof RecordsChangedEventData>>;

const connectionTypes = ['connection.created', 'connection.updated', 'connection.deleted', 'connection.auth_failed'] as const;
/** `sync.*`: the run as the API shows it (a cancelled run ends with `sync.failed`, its status `cancelled`). */
const syncTypes = ['sync.started', 'sync.succeeded', 'sync.failed'] as const;
/** `upload.*`: the session as the API lists it, when it completed (verified or not) or failed (with the reason). */
const uploadTypes = ['upload.completed', 'upload.failed'] as const;
/** `alert.*`: the alert as the API shows it, when it fires (or fires again past its cooldown) and when it resolves. */
const alertTypes = ['alert.triggered', 'alert.resolved'] as const;

/** What each type's `data` holds. */
export type EventData<T extends EventType> = T extends 'webhook_endpoint.disabled'
  ? WebhookEndpointEventData
  : T extends (typeof syncTypes)[number]
    ? SyncRun
    : T extends 'records.changed'
      ? RecordsChangedEventData
      : T extends 'inbound.received'
        ? InboundReceivedEventData
        : T extends (typeof uploadTypes)[number]
          ? UploadEventData
          : T extends (typeof alertTypes)[number]
            ? Alert
            : ConnectionEventData;

/**
 * An event as the log shows it and as webhooks send it: `type`, `timestamp` and `data` are
 * the Standard Webhooks payload's fields, so the relay sends the event as is. `data` is
 * the resource's public view at the change (for a deletion: as it was), never a secret;
 * its shape follows `type`.
 */
export const Event = responseSchema(() =>
  z
    .discriminatedUnion('type', [
      z.object({ id: z.string(), type: z.enum(connectionTypes), timestamp: z.iso.datetime(), data: ConnectionEventData() }),
      z.object({ id: z.string(), type: z.literal('webhook_endpoint.disabled'), timestamp: z.iso.datetime(), data: WebhookEndpointEventData() }),
      z.object({ id: z.string(), type: z.enum(syncTypes), timestamp: z.iso.datetime(), data: SyncRun() }),
      z.object({ id: z.string(), type: z.literal('records.changed'), timestamp: z.iso.datetime(), data: RecordsChangedEventData() }),
      // A provider's webhook, verified and deduplicated (shared/inbound): the event as listed, with the body.
      z.object({ id: z.string(), type: z.literal('inbound.received'), timestamp: z.iso.datetime(), data: InboundReceivedEventData() }),
      z.object({ id: z.string(), type: z.enum(uploadTypes), timestamp: z.iso.datetime(), data: UploadEventData() }),
      z.object({ id: z.string(), type: z.enum(alertTypes), timestamp: z.iso.datetime(), data: Alert() }),
    ])
    .meta({ id: 'Event' }),
);
export type Event = z.infer<ReturnType<typeof Event>>;
