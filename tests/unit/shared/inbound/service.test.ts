import { jest } from '@jest/globals';
import { Conflict, NotFound } from '../../../../shared/platform/errors';
import { routeInboundEvent, retrySeconds, streamKey, streamsFor, type InboundMessage, type RouteDeps } from '../../../../shared/inbound/service';
import type { InboundItem, InboundStore, SyncRequest } from '../../../../shared/inbound/store';
import { IntegrationDefinition } from '../../../../shared/integrations/schema';
import { github } from '../../../../shared/integrations/catalog/github';
import type { SyncRun } from '../../../../shared/syncs/schema';

/**
 * The worker's coalescing, on a store kept in memory with the DynamoDB store's rules
 * (shared/inbound/store.ts): who starts a run, who finds one covering it, who waits.
 */
function world(startSync: RouteDeps['startSync']) {
  const events = new Map<string, InboundItem>();
  let request: SyncRequest = { requested: 0, started: 0, wanted: [], lastRunId: null, retryAt: null };
  const sent: Array<{ messages: InboundMessage[]; delaySeconds: number }> = [];
  const store: Partial<InboundStore> = {
    get: async (_t, _c, id) => events.get(id),
    syncRequest: async () => ({ ...request, wanted: [...request.wanted] }),
    coveredBy: async (_t, _c, requested, runId) => {
      if (request.requested === requested) request = { ...request, started: requested, wanted: [], retryAt: null, lastRunId: runId ?? request.lastRunId };
      else if (request.started < requested) request = { ...request, started: requested, lastRunId: runId ?? request.lastRunId };
    },
    claimRetry: async (_t, _c, until, now) => {
      if (request.retryAt !== null && request.retryAt > now) return false;
      request = { ...request, retryAt: until };
      return true;
    },
    finish: async (_t, _c, id, processedAt, sync) => {
      events.set(id, { ...events.get(id)!, status: 'processed', processedAt, sync });
    },
  };
  const receive = (id: string, stream = { name: 'issues', params: { owner: 'acme', repo: 'api' } }) => {
    events.set(id, { id, connectionId: 'conn_1', integration: 'github', deliveryId: id, eventType: 'issues.opened', status: 'received', receivedAt: '', processedAt: null, contentType: null, bodyBytes: 0, sync: { streams: [stream], outcome: null, runId: null, detail: null }, eventId: 'evt', expiresAt: 0 });
    request = { ...request, requested: request.requested + 1, wanted: [...new Set([...request.wanted, streamKey(stream)])] };
  };
  const deps: RouteDeps = { store: store as InboundStore, startSync, enqueue: async (messages, delaySeconds) => void sent.push({ messages, delaySeconds }), now: () => new Date(1_700_000_000_000) };
  const route = (inboundId?: string) => routeInboundEvent(deps, { tenantId: 't', connectionId: 'conn_1', ...(inboundId ? { inboundId } : {}) });
  return { events, sent, receive, route, request: () => request };
}

const run = (id: string) => ({ id }) as SyncRun;

describe('routing inbound events', () => {
  it('starts one run for a burst: the first message starts it, the others find it covering them', async () => {
    const startSync = jest.fn(async () => run('sync_1'));
    const w = world(startSync);
    for (let i = 0; i < 100; i++) w.receive(`inb_${i}`);
    const outcomes = [];
    for (let i = 0; i < 100; i++) outcomes.push(await w.route(`inb_${i}`));
    expect(startSync).toHaveBeenCalledTimes(1);
    expect(startSync).toHaveBeenCalledWith('t', 'conn_1', { streams: [{ name: 'issues', params: { owner: 'acme', repo: 'api' } }], mode: 'incremental' });
    expect(outcomes.filter((o) => o === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'coalesced')).toHaveLength(99);
    expect([...w.events.values()].every((e) => e.sync?.runId === 'sync_1')).toBe(true);
  });

  it('defers events behind a run that holds the locks, with one retry per connection, and the retry starts one run for all of them', async () => {
    let locked = true;
    const startSync = jest.fn(async () => {
      if (locked) throw new Conflict('stream issues is being synced by run sync_0');
      return run('sync_2');
    });
    const w = world(startSync);
    for (let i = 0; i < 10; i++) {
      w.receive(`inb_${i}`);
      expect(await w.route(`inb_${i}`)).toBe('deferred');
    }
    expect(w.sent).toEqual([{ messages: [{ tenantId: 't', connectionId: 'conn_1' }], delaySeconds: retrySeconds }]);
    locked = false;
    expect(await w.route()).toBe('started');
    expect(w.request()).toMatchObject({ requested: 10, started: 10, wanted: [], lastRunId: 'sync_2' });
    // A copy of the retry finds nothing owed.
    expect(await w.route()).toBe('coalesced');
    expect(startSync).toHaveBeenCalledTimes(11);
  });

  it('keeps the streams of events that arrive while a run is being started for the run after it', async () => {
    const w = world(async () => {
      // Arrives between the request's read and the run's start: not covered by this run.
      w.receive('inb_late', { name: 'pull_requests', params: { owner: 'acme', repo: 'api' } });
      return run('sync_3');
    });
    w.receive('inb_first');
    expect(await w.route('inb_first')).toBe('started');
    expect(w.request()).toMatchObject({ requested: 2, started: 1 });
    expect(w.request().wanted).toContain(streamKey({ name: 'pull_requests', params: { owner: 'acme', repo: 'api' } }));
  });

  it('drops a request that can never start (the connection is gone) and marks the event failed', async () => {
    const w = world(async () => {
      throw new NotFound('no connection conn_1');
    });
    w.receive('inb_1');
    expect(await w.route('inb_1')).toBe('failed');
    expect(w.events.get('inb_1')!.sync).toMatchObject({ outcome: 'failed', detail: 'no connection conn_1' });
    expect(w.request()).toMatchObject({ requested: 1, started: 1, wanted: [] });
  });

  it('skips a copy of a message whose event is processed already', async () => {
    const startSync = jest.fn(async () => run('sync_4'));
    const w = world(startSync);
    w.receive('inb_1');
    await w.route('inb_1');
    expect(await w.route('inb_1')).toBeNull();
    expect(startSync).toHaveBeenCalledTimes(1);
  });
});

describe('streamsFor', () => {
  const definition = IntegrationDefinition.parse(github);
  const repository = { repository: { name: 'api', owner: { login: 'acme' } } };

  it('maps an event type through the longest key it starts with, reading stream params from the body', () => {
    expect(streamsFor(definition, 'issues.opened', repository)).toEqual([{ name: 'issues', params: { owner: 'acme', repo: 'api' } }]);
    expect(streamsFor(definition, 'push', repository)).toEqual([]);
  });

  it('leaves out a stream whose params are missing or do not match their pattern', () => {
    expect(streamsFor(definition, 'issues.opened', {})).toEqual([]);
    expect(streamsFor(definition, 'issues.opened', { repository: { name: '../etc', owner: { login: 'acme' } } })).toEqual([]);
  });
});
