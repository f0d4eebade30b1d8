import { randomBytes } from 'node:crypto';
import { SyncRun } from '../../shared/syncs/schema';
import { goodBodies } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { queuedRun } from '../support/syncs';

/**
 * The sync routes through the local gateway, and a run through the real queue and the
 * worker's own container. No provider is reachable from here, so a run that reaches its
 * worker ends `failed`, saying why; tests/integration/sync-worker.test.ts drives the
 * worker against fake providers.
 */
let runtime: TestRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

async function connection(json = goodBodies['POST /v1/connections']!()): Promise<string> {
  const response = await runtime.call('/v1/connections', { method: 'POST', json });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

async function run(id: string) {
  const response = await runtime.call(`/v1/syncs/${id}`);
  expect(response.status).toBe(200);
  const body = await response.json();
  // What the route answers is what its contract documents, field for field.
  expect(SyncRun().parse(body)).toEqual(body);
  return body as SyncRun;
}

describe('starting a sync run', () => {
  it('answers 202 with the queued run, and the worker ends it failed with the reason when the provider cannot be reached', async () => {
    const id = await connection();
    const started = await runtime.call(`/v1/connections/${id}/syncs`, { method: 'POST', json: { streams: ['customers', 'invoices'] } });
    expect(started.status).toBe(202);
    const queued = (await started.json()) as SyncRun;
    expect(queued).toMatchObject({ connectionId: id, integration: 'stripe', mode: 'incremental', status: 'queued', streams: [{ name: 'customers', status: 'queued' }, { name: 'invoices', status: 'queued' }] });
    const deadline = Date.now() + 45_000;
    let seen = await run(queued.id);
    while (seen.status === 'queued' || seen.status === 'running') {
      if (Date.now() > deadline) throw new Error(`run ${queued.id} still ${seen.status}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      seen = await run(queued.id);
    }
    expect(seen).toMatchObject({ status: 'failed', streams: [{ status: 'failed', pages: 0 }, { status: 'failed', pages: 0 }] });
    expect(seen.reason).toMatch(/customers: .*could not be reached/);
    const listed = await (await runtime.call(`/v1/connections/${id}/syncs?status=failed`)).json();
    expect(listed.data.map((r: SyncRun) => r.id)).toEqual([queued.id]);
    const events = await (await runtime.call('/v1/events?type=sync.*&limit=100')).json();
    expect(events.data.filter((e: { data: { id: string } }) => e.data.id === queued.id).map((e: { type: string }) => e.type).sort()).toEqual(['sync.failed', 'sync.started']);
  });

  it.each([
    ['an unknown stream', { streams: ['refunds'] }, 'body.streams.0'],
    ['an unknown mode', { mode: 'sometimes' }, 'body.mode'],
    ['no streams at all', { streams: [] }, 'body.streams'],
    ['a stream named twice', { streams: ['customers', 'customers'] }, 'body.streams.1'],
  ])('refuses %s with 400 naming the field', async (_what, json, field) => {
    const id = await connection();
    const response = await runtime.call(`/v1/connections/${id}/syncs`, { method: 'POST', json });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("refuses a stream's missing or malformed params with 400 naming each", async () => {
    const id = await connection({ integration: 'github', name: 'Repos', credentials: { token: `ghp_${randomBytes(18).toString('hex')}` } });
    const response = await runtime.call(`/v1/connections/${id}/syncs`, {
      method: 'POST',
      json: { streams: [{ name: 'issues', params: { owner: 'acme' } }, { name: 'pull_requests', params: { owner: 'acme', repo: '../etc', branch: 'main' } }] },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body.streams.0.params.repo',
      'body.streams.1.params.branch',
      'body.streams.1.params.repo',
    ]);
  });

  it('refuses a run of a stream another run holds, with 409 naming that run', async () => {
    const id = await connection();
    const holder = await queuedRun(runtime, 'local', id, ['charges']);
    const response = await runtime.call(`/v1/connections/${id}/syncs`, { method: 'POST', json: { streams: ['customers', 'charges'] } });
    expect(response.status).toBe(409);
    expect((await response.json()).detail).toContain(holder.id);
  });
});

describe('cancelling a sync run', () => {
  it('cancels a queued run and frees its streams; a run that has ended is 409', async () => {
    const id = await connection();
    const holder = await queuedRun(runtime, 'local', id, ['subscriptions']);
    const cancelled = await runtime.call(`/v1/syncs/${holder.id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'cancelled', streams: [{ status: 'cancelled' }] });
    expect((await runtime.call(`/v1/syncs/${holder.id}/cancel`, { method: 'POST' })).status).toBe(409);
    const again = await queuedRun(runtime, 'local', id, ['subscriptions']);
    expect(again.status).toBe('queued');
  });

  it('answers 404 for a run that does not exist', async () => {
    const response = await runtime.call('/v1/syncs/sync_01JCZ8X7Q4B3N5M6P7R8S9T0V1/cancel', { method: 'POST' });
    expect(response.status).toBe(404);
  });
});

describe("a connection's run history", () => {
  it("lists only that connection's runs, newest first, filtered by status and paged", async () => {
    const [mine, other] = await Promise.all([connection(), connection()]);
    const first = await queuedRun(runtime, 'local', mine, ['customers']);
    expect((await runtime.call(`/v1/syncs/${first.id}/cancel`, { method: 'POST' })).status).toBe(200);
    const second = await queuedRun(runtime, 'local', mine, ['customers']);
    await queuedRun(runtime, 'local', other, ['customers']);

    const listed = async (query: string) => (await (await runtime.call(`/v1/connections/${mine}/syncs${query}`)).json()) as { data: SyncRun[]; nextCursor: string | null };
    expect((await listed('')).data.map((run) => run.id)).toEqual([second.id, first.id]);
    expect((await listed('?status=queued')).data.map((run) => run.id)).toEqual([second.id]);
    expect((await listed('?status=running')).data).toEqual([]);
    expect((await listed('?status=cancelled')).data.map((run) => run.id)).toEqual([first.id]);
    const page = await listed('?limit=1');
    expect(page.data.map((run) => run.id)).toEqual([second.id]);
    expect((await listed(`?limit=1&cursor=${encodeURIComponent(page.nextCursor!)}`)).data.map((run) => run.id)).toEqual([first.id]);
  });
});

describe('acting on many sync runs', () => {
  const bulk = async (json: unknown) => {
    const response = await runtime.call('/v1/syncs/bulk', { method: 'POST', json });
    return { status: response.status, body: await response.json() };
  };

  it('cancels runs by id, answering each outcome, then retries the cancelled ones as new runs of the same streams', async () => {
    const id = await connection();
    const [a, b] = [await queuedRun(runtime, 'local', id, ['customers']), await queuedRun(runtime, 'local', id, ['charges'])];
    const missing = 'sync_01JCZ8X7Q4B3N5M6P7R8S9T0V1';
    const cancelled = await bulk({ action: 'cancel', runIds: [a.id, b.id, missing] });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.results).toEqual([
      { runId: a.id, outcome: 'cancelled', detail: null, newRunId: null },
      { runId: b.id, outcome: 'cancelled', detail: null, newRunId: null },
      { runId: missing, outcome: 'not_found', detail: expect.stringContaining(missing), newRunId: null },
    ]);
    const again = await bulk({ action: 'cancel', runIds: [a.id] });
    expect(again.body.results).toEqual([{ runId: a.id, outcome: 'conflict', detail: expect.stringContaining('has ended'), newRunId: null }]);

    const retried = await bulk({ action: 'retry', filter: { connectionId: id, status: 'cancelled' } });
    expect(retried.status).toBe(200);
    expect(retried.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['retried', 'retried']);
    const fresh = await run(retried.body.results[0].newRunId);
    expect(fresh).toMatchObject({ connectionId: id, mode: 'incremental', streams: [{ name: 'charges' }] });
  });

  it('refuses runIds and filter together, or neither, with 400 naming body.runIds', async () => {
    const id = await connection();
    for (const json of [{ action: 'retry' }, { action: 'retry', runIds: ['sync_01JCZ8X7Q4B3N5M6P7R8S9T0V1'], filter: { connectionId: id } }]) {
      const answer = await bulk(json);
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.runIds']);
    }
  });
});
