import * as z from 'zod';
import { once, readConfig } from '../platform/config';
import { newId } from '../platform/ids';
import { getMany, queryPage, strip, type TableStore, type TransactItem } from '../platform/items';
import type { Event, EventData, EventType } from './schema';

/**
 * The tenant's event log (the outbox), in the main table. An event is written in the
 * transaction of the change it reports (`eventPut`, handed to the store that makes the
 * change), so it is never lost nor recorded for a change that did not happen. This module
 * is the only one that shapes event items; webhook delivery will read them from here.
 *
 *   pk TENANT#<tenant>  sk EVENT#<event id>   (ids are time-ordered: the log pages newest first)
 *
 * Each item expires `EVENT_RETENTION_DAYS` after it happened (the table's TTL, `expiresAt`).
 */
export type EventItem = Event & {
  /** Epoch seconds: DynamoDB's TTL deletes the item after this. */
  expiresAt: number;
};

export interface EventStore {
  /** Eventually consistent unless `consistent` (a reader that just saw an item committed with the event). */
  get(tenantId: string, id: string, options?: { consistent?: boolean }): Promise<EventItem | undefined>;
  /** Several events at once (one request per 100), in the order asked; eventually consistent, as `get`. */
  getMany(keys: Array<{ tenantId: string; id: string }>): Promise<Array<EventItem | undefined>>;
  list(tenantId: string, query: EventPage): Promise<{ items: EventItem[]; nextCursor: string | null }>;
}

export interface EventPage {
  limit: number;
  cursor?: string;
  type?: string;
  /** Types starting with this (`connection.`). */
  typePrefix?: string;
  since?: Date;
  /** Events at or before this time (with `since`). */
  until?: Date;
  /** Items past their expiry are left out: TTL deletes within days of it, not at it. */
  now: Date;
}

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const prefix = 'EVENT#';

/** How long events are kept, read once per container; 30 days where nothing says otherwise. */
export const eventRetentionDays = once(
  () =>
    readConfig('the event log', z.object({ EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).default(30) })).EVENT_RETENTION_DAYS,
);

/** The transaction item that records an event: the caller commits it with the change. */
export function eventPut<T extends EventType>(table: string, tenantId: string, type: T, data: EventData<T>, at: Date): TransactItem {
  const id = newId('evt', at.getTime());
  const item = {
    id,
    type,
    timestamp: at.toISOString(),
    data,
    expiresAt: Math.floor(at.getTime() / 1000) + eventRetentionDays() * 86_400,
  } as EventItem;
  return { Put: { TableName: table, Item: { pk: pk(tenantId), sk: `${prefix}${id}`, ...item } } };
}

/**
 * The lowest sort key of events at or after `since`: an id's first ten characters are its
 * time (ids.ts), and a shorter key sorts before every longer one it begins.
 */
function sinceKey(since: Date): string {
  return `${prefix}${newId('evt', Math.max(0, since.getTime())).slice(0, 'evt_'.length + 10)}`;
}

/** The highest sort key of events at or before `until`: every id of a later millisecond sorts after it. */
const untilKey = (until: Date) => sinceKey(new Date(until.getTime() + 1));

export function eventStore(store: TableStore): EventStore {
  return {
    async get(tenantId, id, options) {
      const { Item } = await store.db.get({ TableName: store.table, Key: { pk: pk(tenantId), sk: `${prefix}${id}` }, ConsistentRead: options?.consistent === true });
      return Item ? strip<EventItem>(Item) : undefined;
    },
    getMany: (keys) => getMany<EventItem>(store, keys.map(({ tenantId, id }) => ({ pk: pk(tenantId), sk: `${prefix}${id}` })), { consistent: false }),
    list(tenantId, query) {
      return queryPage<EventItem>(store, {
        pk: pk(tenantId),
        prefix,
        limit: query.limit,
        cursor: query.cursor,
        ...(query.since ? { from: sinceKey(query.since), ...(query.until ? { to: untilKey(query.until) } : {}) } : {}),
        equals: { type: query.type },
        conditions: ['#expiresAt > :now', ...(query.typePrefix ? ['begins_with(#type, :typePrefix)'] : [])],
        names: { '#expiresAt': 'expiresAt', ...(query.typePrefix ? { '#type': 'type' } : {}) },
        values: { ':now': Math.floor(query.now.getTime() / 1000), ...(query.typePrefix ? { ':typePrefix': query.typePrefix } : {}) },
      });
    },
  };
}
