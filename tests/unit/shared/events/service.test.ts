import { getEvent, listEvents } from '../../../../shared/events/service';
import type { EventItem, EventPage, EventStore } from '../../../../shared/events/store';
import type { ConnectionEventData } from '../../../../shared/events/schema';
import { NotFound } from '../../../../shared/platform/errors';

const now = new Date('2026-11-02T10:00:00.000Z');
const nowSeconds = now.getTime() / 1000;

function event(id: string, expiresAt: number): EventItem {
  return { id, type: 'connection.created', timestamp: '2026-11-01T10:00:00.000Z', data: { id: 'conn_a' } as ConnectionEventData, expiresAt };
}

/** A store that answers `items` and remembers what it was asked. */
function fakeStore(items: EventItem[]) {
  const asked: EventPage[] = [];
  const store: EventStore = {
    get: async (_tenantId, id) => items.find((item) => item.id === id),
    getMany: async (keys) => keys.map(({ id }) => items.find((item) => item.id === id)),
    list: async (_tenantId, query) => {
      asked.push(query);
      return { items, nextCursor: null };
    },
  };
  return { deps: { store, now: () => now }, asked };
}

describe('listing events', () => {
  it('asks the store for a family by prefix and for one type exactly', async () => {
    const { deps, asked } = fakeStore([]);
    await listEvents(deps, 't', { limit: 10, type: 'connection.*' });
    await listEvents(deps, 't', { limit: 10, type: 'connection.deleted' });
    expect(asked.map(({ type, typePrefix }) => ({ type, typePrefix }))).toEqual([
      { type: undefined, typePrefix: 'connection.' },
      { type: 'connection.deleted', typePrefix: undefined },
    ]);
  });

  it('hands `since` over as a time, with an offset taken into account', async () => {
    const { deps, asked } = fakeStore([]);
    await listEvents(deps, 't', { limit: 10, since: '2026-11-02T12:00:00+02:00' });
    expect(asked[0]!.since).toEqual(new Date('2026-11-02T10:00:00.000Z'));
    expect(asked[0]!.now).toBe(now);
  });

  it('answers events without their expiry', async () => {
    const { deps } = fakeStore([event('evt_a', nowSeconds + 60)]);
    const { data } = await listEvents(deps, 't', { limit: 10 });
    expect(data).toEqual([{ id: 'evt_a', type: 'connection.created', timestamp: '2026-11-01T10:00:00.000Z', data: { id: 'conn_a' } }]);
  });
});

describe('showing an event', () => {
  it('answers NotFound for an event past its expiry that TTL has not deleted yet', async () => {
    const { deps } = fakeStore([event('evt_old', nowSeconds), event('evt_live', nowSeconds + 1)]);
    await expect(getEvent(deps, 't', 'evt_old')).rejects.toBeInstanceOf(NotFound);
    await expect(getEvent(deps, 't', 'evt_live')).resolves.toMatchObject({ id: 'evt_live' });
  });

  it('answers NotFound for an unknown id', async () => {
    const { deps } = fakeStore([]);
    await expect(getEvent(deps, 't', 'evt_none')).rejects.toBeInstanceOf(NotFound);
  });
});
