import { connectionStore } from '../../shared/connections/store';
import { findTenantIntegration, tenantIntegrations } from '../../shared/integrations/tenant-catalog';
import { syncRunStore } from '../../shared/syncs/run-store';
import { scheduleStore, type ScheduleStore } from '../../shared/syncs/schedule-store';
import { startDueRuns, type SchedulerDeps } from '../../shared/syncs/scheduler';
import { operatorAudit } from '../../shared/platform/audit';
import { startSyncRun, type SyncJob } from '../../shared/syncs/service';
import { goodBodies } from '../support/good-bodies';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { queuedRun } from '../support/syncs';

/**
 * Scheduled syncs: `syncSchedule` set through the gateway, and the scheduler against the
 * runtime's tables, with its clock moved on. No provider is reachable from here: what is
 * checked is which runs start, not how they end.
 */
let runtime: TestRuntime;
let schedules: ScheduleStore;
let deps: (now: Date, also?: Partial<SchedulerDeps>) => SchedulerDeps;
const queued: Array<{ jobs: SyncJob[]; delaySeconds: number | undefined }> = [];
const tenantId = 'local';
const minutes = (n: number) => n * 60_000;

beforeAll(async () => {
  runtime = await startTestRuntime();
  const main = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  const source = tenantIntegrations(main);
  schedules = scheduleStore(main);
  deps = (now, also = {}) => ({
    runs: syncRunStore(main),
    connections: connectionStore(main),
    integrations: { find: (tenant: string, key: string) => findTenantIntegration(source, tenant, key) },
    enqueue: async (jobs, delaySeconds) => void queued.push({ jobs, delaySeconds }),
    schedules,
    now: () => now,
    ...also,
  });
});
afterAll(() => runtime.stop());
beforeEach(() => {
  queued.length = 0;
});

async function connection(): Promise<string> {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!() });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

async function schedule(id: string, syncSchedule: unknown, version = 1) {
  return runtime.call(`/v1/connections/${id}`, { method: 'PATCH', json: { syncSchedule }, headers: { 'if-match': `"${version}"` } });
}

async function runsOf(id: string): Promise<Array<{ id: string; status: string; streams: Array<{ name: string }> }>> {
  return (await (await runtime.call(`/v1/connections/${id}/syncs`)).json()).data;
}

describe('setting a schedule', () => {
  it('answers the connection with its schedule, and null stops it', async () => {
    const id = await connection();
    const set = await schedule(id, [{ every: 30, streams: ['customers'] }, { cron: '0 3 * * *', timezone: 'Europe/Berlin', streams: ['invoices'], mode: 'full' }]);
    expect(set.status).toBe(200);
    const expected = [
      { every: 30, streams: ['customers'], mode: 'incremental' },
      { cron: '0 3 * * *', timezone: 'Europe/Berlin', streams: ['invoices'], mode: 'full' },
    ];
    expect((await set.json()).syncSchedule).toEqual(expected);
    expect((await (await runtime.call(`/v1/connections/${id}`)).json()).syncSchedule).toEqual(expected);
    const due = await schedules.get(tenantId, id);
    expect(due?.next).toHaveLength(2);
    expect(Date.parse(due!.next[0]!) - Date.now()).toBeGreaterThan(minutes(29));

    const stopped = await schedule(id, null, 2);
    expect(stopped.status).toBe(200);
    expect((await stopped.json()).syncSchedule).toBeNull();
    expect(await schedules.get(tenantId, id)).toBeUndefined();
  });

  it.each([
    ['an unknown stream', [{ every: 5, streams: ['refunds'] }], 'body.syncSchedule.0.streams.0'],
    ['one stream in two entries', [{ every: 5, streams: ['customers'] }, { every: 60, streams: ['invoices', 'customers'] }], 'body.syncSchedule.1.streams'],
    ['an entry for all streams beside another', [{ every: 5 }, { every: 60, streams: ['invoices'] }], 'body.syncSchedule.1.streams'],
    ['a cron expression with seconds', [{ cron: '*/5 * * * * *' }], 'body.syncSchedule.0.cron'],
    ['an interval of no minutes', [{ every: 0 }], 'body.syncSchedule.0.every'],
    ['an empty schedule', [], 'body.syncSchedule'],
  ])('refuses %s with 400 naming the field, changing nothing', async (_what, syncSchedule, field) => {
    const id = await connection();
    const response = await schedule(id, syncSchedule);
    expect(response.status).toBe(400);
    expect((await response.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await (await runtime.call(`/v1/connections/${id}`)).json()).version).toBe(1);
    expect(await schedules.get(tenantId, id)).toBeUndefined();
  });

  it('goes with the connection when it is deleted', async () => {
    const id = await connection();
    expect((await schedule(id, [{ every: 5 }])).status).toBe(200);
    expect(await schedules.get(tenantId, id)).toBeDefined();
    expect((await runtime.call(`/v1/connections/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect(await schedules.get(tenantId, id)).toBeUndefined();
  });
});

describe('the scheduler', () => {
  it('starts a run when an entry is due, not before, with jitter, and moves the entry on', async () => {
    const id = await connection();
    expect((await schedule(id, [{ every: 30, streams: ['customers', 'invoices'] }])).status).toBe(200);
    const dueAt = new Date((await schedules.get(tenantId, id))!.next[0]!);

    await startDueRuns(deps(new Date(dueAt.getTime() - 1000)));
    expect(await runsOf(id)).toEqual([]);
    const fired = await startDueRuns(deps(new Date(dueAt.getTime() + 5000)));
    const runs = await runsOf(id);
    expect(runs).toHaveLength(1);
    expect(fired.started).toContain(runs[0]!.id);
    expect(runs[0]!.streams.map((stream) => stream.name)).toEqual(['customers', 'invoices']);
    const mine = queued.find((send) => send.jobs[0]!.runId === runs[0]!.id);
    expect(mine!.jobs).toHaveLength(2);
    expect(mine!.delaySeconds).toBeGreaterThanOrEqual(0);
    expect(mine!.delaySeconds).toBeLessThan(60);
    expect((await schedules.get(tenantId, id))!.next[0]).toBe(new Date(dueAt.getTime() + minutes(30)).toISOString());

    // The same minute again: nothing more is due.
    await startDueRuns(deps(new Date(dueAt.getTime() + 6000)));
    expect(await runsOf(id)).toHaveLength(1);
  });

  it('starts one run for a due time however often a crashed scheduler fires it again', async () => {
    const id = await connection();
    expect((await schedule(id, [{ every: 15 }])).status).toBe(200);
    const dueAt = Date.parse((await schedules.get(tenantId, id))!.next[0]!);
    // The scheduler dies after starting the run, before it moves the entry on.
    const crashing = deps(new Date(dueAt + 1000), { schedules: { ...schedules, advance: async () => true } });
    const first = await startDueRuns(crashing);
    const second = await startDueRuns(crashing);
    const runs = (await runsOf(id)).map((run) => run.id);
    expect(runs).toHaveLength(1);
    expect(first.started).toContain(runs[0]);
    expect(second.started).toContain(runs[0]);
  });

  it('skips a due time while a run still holds the stream, and starts at the next one', async () => {
    const id = await connection();
    const holding = await queuedRun(runtime, tenantId, id, ['customers']);
    expect((await schedule(id, [{ every: 10, streams: ['customers'] }])).status).toBe(200);
    const dueAt = Date.parse((await schedules.get(tenantId, id))!.next[0]!);

    const busy = await startDueRuns(deps(new Date(dueAt + 1000)));
    expect(busy.busy).toBeGreaterThanOrEqual(1);
    expect((await runsOf(id)).map((run) => run.id)).toEqual([holding.id]);
    expect((await runtime.call(`/v1/syncs/${holding.id}/cancel`, { method: 'POST' })).status).toBe(200);

    // Other tests' schedules share the table: only this connection's runs are looked at.
    const next = await startDueRuns(deps(new Date(dueAt + minutes(10) + 1000)));
    const [started, ...before] = (await runsOf(id)).map((run) => run.id);
    expect(before).toEqual([holding.id]);
    expect(next.started).toContain(started);
  });

  it('runs as the declared schedule function: due runs start through the real queue', async () => {
    const id = await connection();
    expect((await schedule(id, [{ every: 1, streams: ['customers'] }])).status).toBe(200);
    const read = (await schedules.get(tenantId, id))!;
    // Due a minute ago, as if the minute had passed.
    expect(await schedules.advance(tenantId, read, [new Date(Date.now() - minutes(1)).toISOString()])).toBe(true);
    await runtime.scheduler.tick(Date.now() + minutes(1) + 1000);
    const runs = await runsOf(id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.streams.map((stream) => stream.name)).toEqual(['customers']);
    expect(Date.parse((await schedules.get(tenantId, id))!.next[0]!)).toBeGreaterThan(Date.now());
  });
});

describe('starting a run whose Idempotency-Key another request took over', () => {
  it('answers 409 and starts nothing', async () => {
    const id = await connection();
    const audit = { ...operatorAudit(tenantId, 'test', 'sync.start'), idempotency: { tenantId, key: 'taken-over', fingerprint: 'f', requestId: 'req_not_the_holder' } };
    await expect(startSyncRun(deps(new Date()), audit, id, { streams: ['customers'], mode: 'incremental' })).rejects.toMatchObject({ status: 409 });
    expect(await runsOf(id)).toEqual([]);
    expect(queued).toEqual([]);
  });
});
