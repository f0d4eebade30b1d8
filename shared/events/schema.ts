import * as z from 'zod';
import { Connection } from '../connections/schema';
import { responseSchema } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { PageQuery } from '../platform/pagination';

/** Every event type recorded today; later domains add theirs (API.md lists them all). */
export const eventTypes = ['connection.created', 'connection.updated', 'connection.deleted', 'connection.auth_failed'] as const;
export type EventType = (typeof eventTypes)[number];

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
 * An event as the log shows it and as webhooks will send it: `type`, `timestamp` and
 * `data` are the Standard Webhooks payload's fields, so the relay sends the event as is.
 * `data` is the resource's public view at the change (for a deletion: as it was), never a secret.
 */
export const Event = responseSchema(() =>
  z
    .object({
      id: z.string(),
      type: z.enum(eventTypes),
      timestamp: z.iso.datetime(),
      data: ConnectionEventData(),
    })
    .meta({ id: 'Event' }),
);
export type Event = z.infer<ReturnType<typeof Event>>;
