import { NotFound } from '../platform/errors';
import type { Event, EventListQuery } from './schema';
import type { EventItem, EventStore } from './store';

export interface EventDeps {
  store: EventStore;
  now?: () => Date;
}

const now = (deps: EventDeps) => deps.now?.() ?? new Date();

/** One event of the tenant's log; an expired one is gone, whether or not TTL has deleted it yet. */
export async function getEvent(deps: EventDeps, tenantId: string, id: string): Promise<Event> {
  const item = await deps.store.get(tenantId, id);
  if (!item || item.expiresAt <= Math.floor(now(deps).getTime() / 1000)) throw new NotFound(`no event ${id}`);
  return toView(item);
}

/** The tenant's log, newest first: one type or a family (`connection.*`), since a time. */
export async function listEvents(deps: EventDeps, tenantId: string, query: EventListQuery): Promise<{ data: Event[]; nextCursor: string | null }> {
  const family = query.type?.endsWith('.*') ? query.type.slice(0, -1) : undefined;
  const { items, nextCursor } = await deps.store.list(tenantId, {
    limit: query.limit,
    cursor: query.cursor,
    ...(family ? { typePrefix: family } : query.type ? { type: query.type } : {}),
    ...(query.since ? { since: new Date(query.since) } : {}),
    now: now(deps),
  });
  return { data: items.map(toView), nextCursor };
}

/** The API's view: named fields only (not the expiry). */
function toView({ expiresAt: _expiry, ...event }: EventItem): Event {
  return event;
}
