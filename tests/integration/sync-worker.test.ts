import { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { connectionStore } from '../../shared/connections/store';
import { openCredentials } from '../../shared/connections/service';
import { github } from '../../shared/integrations/catalog/github';
import { hubspot } from '../../shared/integrations/catalog/hubspot';
import { shopify } from '../../shared/integrations/catalog/shopify';
import { stripe } from '../../shared/integrations/catalog/stripe';
import { IntegrationDefinition } from '../../shared/integrations/schema';
import { operatorAudit } from '../../shared/platform/audit';
import { BadGateway } from '../../shared/platform/errors';
import { ReauthorizationRequired } from '../../shared/oauth/tokens';
import { send } from '../../shared/platform/outbound';
import { recordStore } from '../../shared/records/store';
import { syncRunStore } from '../../shared/syncs/run-store';
import { providerBudget, slowProviderBudget } from '../../shared/syncs/budget';
import { cancelSyncRun, failStalledRuns, startSyncRun, type SyncApiDeps, type SyncJob } from '../../shared/syncs/service';
import { maxPageBytes, processSyncJob, type SyncWorkerDeps } from '../../shared/syncs/worker';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github';
import { startFakeHubSpot, type FakeHubSpot } from '../fakes/hubspot';
import { startFakeShopify, type FakeShopify } from '../fakes/shopify';
import { startFakeStripe, type FakeStripe } from '../fakes/stripe';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The sync worker against the fake providers (their paging, rate-limit and credential
 * answers: tests/fakes) with the catalog's own stream definitions, and the runtime's real tables: runs, checkpoints and records on
 * DynamoDB Local. The queue is played here, a message at a time, so each test can
 * duplicate, drop or delay one.
 */
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';

let runtime: TestRuntime;
let fake: FakeGitHub;
let fakeStripe: FakeStripe;
let fakeHubSpot: FakeHubSpot;
let fakeShopify: FakeShopify;
const definitions = new Map<string, ReturnType<typeof IntegrationDefinition.parse>>();
let api: SyncApiDeps;
let worker: SyncWorkerDeps;
let records: ReturnType<typeof recordStore>;
let here: ReturnType<typeof IntegrationDefinition.parse>;
const queue: Array<{ job: SyncJob; delaySeconds: number }> = [];
const token = `ghp_${randomBytes(18).toString('hex')}`;
const tenantId = 'local';

beforeAll(async () => {
  runtime = await startTestRuntime();
  fake = await startFakeGitHub();
  fake.tokens.add(token);
  // GitHub's real definition, pointed at the fake: requests are built as for api.github.com.
  fake.publicUrl = fake.url.replace('http:', 'https:');
  here = IntegrationDefinition.parse({ ...github, baseUrl: fake.publicUrl });
  [fakeStripe, fakeHubSpot, fakeShopify] = await Promise.all([startFakeStripe(), startFakeHubSpot(), startFakeShopify()]);
  for (const provider of [fakeStripe, fakeHubSpot, fakeShopify]) provider.publicUrl = provider.url.replace('http:', 'https:');
  definitions.set('github', here);
  definitions.set('stripe', IntegrationDefinition.parse({ ...stripe, baseUrl: fakeStripe.publicUrl }));
  definitions.set('hubspot', IntegrationDefinition.parse({ ...hubspot, baseUrl: fakeHubSpot.publicUrl }));
  definitions.set('shopify', IntegrationDefinition.parse({ ...shopify, baseUrl: `${fakeShopify.publicUrl}/admin/api/2026-07` }));
  const db = localDynamoDb(runtime.dynamodbEndpoint);
  const main = { db, table: runtime.env.MAIN_TABLE_NAME! };
  const s3 = new S3Client({ endpoint: runtime.env.AWS_ENDPOINT_URL_S3, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  records = recordStore({ table: { db, table: runtime.env.RECORDS_TABLE_NAME! }, bucket: { s3, name: runtime.env.UPLOADS_BUCKET_NAME! } });
  const connections = connectionStore(main);
  const vault = createVault(keyringFromEnv({ env: runtime.env }));
  const enqueue = async (jobs: SyncJob[], delaySeconds = 0) => void queue.push(...jobs.map((job) => ({ job, delaySeconds })));
  const integrations = { find: async (_t: string, key: string) => definitions.get(key) };
  api = { runs: syncRunStore(main), connections, integrations, enqueue };
  worker = {
    runs: syncRunStore(main),
    connections,
    integrations,
    records,
    enqueue,
    credentials: (tenant, connection) => openCredentials({ store: connections, vault }, tenant, connection.id),
    // The definition says https; the fake speaks plain HTTP on loopback.
    send: (request) => send({ ...request, url: request.url.replace('https:', 'http:') }, { maxAttempts: 1, maxBodyBytes: maxPageBytes }),
  };
});
afterAll(async () => {
  await Promise.all([fake, fakeStripe, fakeHubSpot, fakeShopify].map((provider) => provider.close()));
  await runtime.stop();
});
beforeEach(() => {
  queue.length = 0;
  fake.faults.length = 0;
});

const audit = (action: string) => operatorAudit(tenantId, 'test', action);
let repoSequence = 0;

async function connectRepo(issues: number) {
  const response = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'github', name: 'Synced', credentials: { token } } });
  expect(response.status).toBe(201);
  const connectionId = (await response.json()).id as string;
  const repo = `repo${++repoSequence}`;
  const start = Date.now() - issues * 60_000;
  for (let i = 0; i < issues; i++) fake.addIssue('acme', repo, { created: start + i * 60_000, updated: start + i * 60_000 });
  return { connectionId, repo, streams: [{ name: 'issues', params: { owner: 'acme', repo } }] };
}

/** Plays the queue until it is empty (a delayed message is played at once), answering each outcome. */
async function drain(limit = 100): Promise<string[]> {
  const outcomes: string[] = [];
  while (queue.length > 0 && outcomes.length < limit) outcomes.push(await processSyncJob(worker, queue.shift()!.job));
  return outcomes;
}

describe('a sync run', () => {
  it('reads every page by the Link header into the records store, then an incremental run reads only what changed since its checkpoint', async () => {
    const { connectionId, repo, streams } = await connectRepo(150);
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    expect(run).toMatchObject({ status: 'queued', streams: [{ name: 'issues', status: 'queued' }] });
    expect(await drain()).toEqual(['next-page', 'stream-succeeded']);
    expect(await api.runs.get(tenantId, run.id)).toMatchObject({
      status: 'succeeded',
      streams: [{ status: 'succeeded', pages: 2, added: 150, updated: 0, unchanged: 0, since: null }],
    });
    const stored = await records.list(tenantId, connectionId, 'issues', { limit: 1000 });
    expect(stored.records).toHaveLength(150);

    const issues = fake.records(`issues:acme/${repo}`);
    for (const issue of issues.slice(0, 3)) issue.updated = Date.now();
    fake.addIssue('acme', repo);
    const again = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    await drain();
    const second = await api.runs.get(tenantId, again.id);
    expect(second).toMatchObject({ status: 'succeeded', streams: [{ pages: 1, added: 1, updated: 3 }] });
    // Asked from the checkpoint less the stream's lookback, not from the beginning.
    const asked = fake.requests.at(-1)!.query.get('since');
    expect(Date.parse(asked!)).toBeGreaterThan(issues[140]!.updated - 120_000);
    expect(second!.streams[0]!.unchanged).toBeLessThan(20);
  });

  it('drops a second copy of a page message, and counts each record once', async () => {
    const { connectionId, streams } = await connectRepo(120);
    await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    const [first] = queue.splice(0, 1);
    expect(await processSyncJob(worker, first!.job)).toBe('next-page');
    expect(await processSyncJob(worker, first!.job)).toBe('duplicate');
    await drain();
    const [run] = (await api.runs.list(tenantId, connectionId, { limit: 1 })).items;
    expect(run).toMatchObject({ status: 'succeeded', streams: [{ pages: 2, added: 120 }] });
  });

  it('reads the following pages in the same invocation while its time lasts, reading the run and the credentials once', async () => {
    const { connectionId, streams } = await connectRepo(250);
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    let runReads = 0;
    let credentialReads = 0;
    const counting: SyncWorkerDeps = {
      ...worker,
      runs: { ...worker.runs, get: (...args) => (runReads++, worker.runs.get(...args)) },
      credentials: (...args) => (credentialReads++, worker.credentials(...args)),
    };
    expect(await processSyncJob(counting, queue.shift()!.job, { until: Date.now() + 60_000 })).toBe('stream-succeeded');
    expect(queue).toEqual([]);
    expect([runReads, credentialReads]).toEqual([1, 1]);
    expect(await api.runs.get(tenantId, run.id)).toMatchObject({ status: 'succeeded', streams: [{ pages: 3, added: 250 }] });
  });

  it('queues the next page for another invocation when its time runs out', async () => {
    const { connectionId, streams } = await connectRepo(150);
    await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    expect(await processSyncJob(worker, queue.shift()!.job, { until: Date.now() + 1_000 })).toBe('next-page');
    expect(queue.map(({ job }) => job.page)).toEqual([1]);
    expect(await drain()).toEqual(['stream-succeeded']);
  });

  it('resumes from the recorded progress when an invocation dies between pages, missing no record and counting none twice', async () => {
    const { connectionId, streams } = await connectRepo(350);
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    const [message] = queue.splice(0, 1);
    let pages = 0;
    const dying: SyncWorkerDeps = {
      ...worker,
      send: (request) => {
        // The container dies while asking for the third page: two pages recorded, no message queued.
        if (++pages === 3) throw new Error('the container was killed');
        return worker.send(request);
      },
    };
    await expect(processSyncJob(dying, message!.job, { until: Date.now() + 60_000 })).rejects.toThrow('killed');
    expect(queue).toEqual([]);
    // SQS hands the message of page 0 out again: the chain goes on from page 2.
    expect(await processSyncJob(worker, message!.job, { until: Date.now() + 60_000 })).toBe('duplicate');
    expect(queue.map(({ job }) => job.page)).toEqual([2]);
    expect(await drain()).toEqual(['next-page', 'stream-succeeded']);
    expect(await api.runs.get(tenantId, run.id)).toMatchObject({ status: 'succeeded', streams: [{ pages: 4, added: 350, updated: 0, unchanged: 0 }] });
    expect((await records.list(tenantId, connectionId, 'issues', { limit: 1000 })).records).toHaveLength(350);
  });

  it('waits when GitHub says its rate limit is spent, and goes on after', async () => {
    const { connectionId, streams } = await connectRepo(5);
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    fake.faults.push('rate-limit');
    expect(await processSyncJob(worker, queue.shift()!.job)).toBe('throttled');
    expect(queue).toEqual([{ job: expect.objectContaining({ runId: run.id, page: 0 }), delaySeconds: expect.any(Number) }]);
    expect(queue[0]!.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(await drain()).toEqual(['stream-succeeded']);
    expect(await api.runs.get(tenantId, run.id)).toMatchObject({ status: 'succeeded', streams: [{ added: 5 }] });
  });

  it.each([
    ['refuses the credentials', 'expired-token', /^auth_failed/],
    ['answers something that is not JSON', 'malformed', /^shape/],
    ['answers JSON of the wrong shape', 'wrong-shape', /^shape/],
    ['answers more than a page may hold (cut at 20 MiB)', 'huge', /^shape/],
    ['redirects elsewhere (never followed)', 'redirect', /^status: the provider answered 302/],
  ] as const)('fails the run with the reason when GitHub %s, keeps no checkpoint, and frees the stream', async (_what, fault, reason) => {
    const { connectionId, streams } = await connectRepo(3);
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    fake.faults.push(fault);
    expect(await drain()).toEqual(['stream-failed']);
    const failed = await api.runs.get(tenantId, run.id);
    expect(failed).toMatchObject({ status: 'failed', streams: [{ status: 'failed' }] });
    expect(failed!.streams[0]!.reason).toMatch(reason);
    expect((await api.runs.checkpoints(tenantId, connectionId, streams))[0]).toBeUndefined();
    // The lock went with it: a new run of the stream starts, and succeeds.
    const next = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    await drain();
    expect(await api.runs.get(tenantId, next.id)).toMatchObject({ status: 'succeeded', streams: [{ added: 3 }] });
  });

  it('refuses a second run of a stream while one holds it, naming that run, and starts one once it is cancelled', async () => {
    const { connectionId, streams } = await connectRepo(150);
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    await expect(startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'full' })).rejects.toMatchObject({ status: 409, message: expect.stringContaining(run.id) });
    expect(await processSyncJob(worker, queue.shift()!.job)).toBe('next-page');
    await expect(cancelSyncRun(api, audit('sync.cancel'), run.id)).resolves.toMatchObject({ status: 'cancelled', streams: [{ status: 'cancelled', pages: 1 }] });
    expect(await drain()).toEqual(['ended']);
    await expect(startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'full' })).resolves.toMatchObject({ status: 'queued' });
  });

  it('tombstones, in a full run of a stream whose deletions show by absence, the records the provider no longer has', async () => {
    const issuesStream = here.streams.find((s) => s.name === 'issues')!;
    const declared = issuesStream.deletions;
    issuesStream.deletions = { kind: 'full-refresh-diff' };
    try {
      const { connectionId, repo, streams } = await connectRepo(4);
      await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'full' });
      await drain();
      const gone = fake.records(`issues:acme/${repo}`).splice(1, 1)[0]!;
      const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'full' });
      await drain();
      expect(await api.runs.get(tenantId, run.id)).toMatchObject({ status: 'succeeded', mode: 'full', streams: [{ unchanged: 3, deleted: 1 }] });
      const deleted = await records.list(tenantId, connectionId, 'issues', { limit: 100, filter: ['deleted'] });
      expect(deleted.records.map((r) => r.key)).toEqual([gone.id]);
    } finally {
      issuesStream.deletions = declared;
    }
  });
});

describe("a provider's documented budget", () => {
  it('holds a page back until the next window once the connection has spent it, shared by every worker', async () => {
    const declared = here.rateLimits;
    // An hour's window: the test's two pages never straddle two windows.
    here.rateLimits = [{ requests: 1, perSeconds: 3600, per: 'token' }];
    try {
      const limits = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.LIMITS_TABLE_NAME! };
      const budgeted: SyncWorkerDeps = { ...worker, admit: (t, connection, integration) => providerBudget(limits, t, connection.id, integration) };
      const { connectionId, streams } = await connectRepo(150);
      await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
      expect(await processSyncJob(budgeted, queue.shift()!.job)).toBe('next-page');
      const asked = fake.requests.length;
      expect(await processSyncJob(budgeted, queue[0]!.job)).toBe('throttled');
      expect(fake.requests.length).toBe(asked);
      expect(queue.at(-1)!.delaySeconds).toBeGreaterThan(0);
      // SQS delays 15 minutes at most: a longer wait is asked again then.
      expect(queue.at(-1)!.delaySeconds).toBeLessThanOrEqual(900);
    } finally {
      here.rateLimits = declared;
    }
  });
});

describe("a provider's slow-down answer", () => {
  /** The runtime's limits table, on a clock the test moves (no sleeps), counting its requests. */
  function limitsOn(clock: { now: number }) {
    const db = localDynamoDb(runtime.dynamodbEndpoint);
    const requests = { count: 0 };
    const counted = new Proxy(db, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          requests.count += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { limits: { db: counted, table: runtime.env.LIMITS_TABLE_NAME!, now: () => clock.now }, requests };
  }

  it('pauses every run of the connection when the provider answers 429 to one of them, and both runs still succeed', async () => {
    const clock = { now: Date.now() };
    const { limits } = limitsOn(clock);
    const budgeted: SyncWorkerDeps = {
      ...worker,
      admit: (t, connection, integration) => providerBudget(limits, t, connection.id, integration),
      slowDown: (t, connection, integration, until) => slowProviderBudget(limits, t, connection.id, integration, until),
      now: () => new Date(clock.now),
    };
    const key = `sk_test_${randomBytes(12).toString('hex')}`;
    fakeStripe.tokens.add(key);
    const created = await runtime.call('/v1/connections', { method: 'POST', json: { integration: 'stripe', name: 'Paused', credentials: { apiKey: key } } });
    const connectionId = (await created.json()).id as string;
    const customers = await startSyncRun(api, audit('sync.start'), connectionId, { streams: ['customers'], mode: 'incremental' });
    const charges = await startSyncRun(api, audit('sync.start'), connectionId, { streams: ['charges'], mode: 'incremental' });
    const [first, second] = queue.splice(0, 2);

    fakeStripe.faults.push('rate-limit');
    expect(await processSyncJob(budgeted, first!.job)).toBe('throttled');
    const asked = fakeStripe.requests.length;
    // The other run's page never reaches Stripe: it waits out the same pause (Stripe's 429 names none: a minute).
    expect(await processSyncJob(budgeted, second!.job)).toBe('throttled');
    expect(fakeStripe.requests.length).toBe(asked);
    expect(queue.map((q) => q.job.runId)).toEqual([customers.id, charges.id]);
    expect(queue[1]!.delaySeconds).toBeGreaterThanOrEqual(59);
    expect(queue[1]!.delaySeconds).toBeLessThanOrEqual(60);

    clock.now += 61_000;
    const outcomes: string[] = [];
    while (queue.length > 0) outcomes.push(await processSyncJob(budgeted, queue.shift()!.job));
    expect(outcomes).toEqual(['stream-succeeded', 'stream-succeeded']);
    expect(await api.runs.get(tenantId, customers.id)).toMatchObject({ status: 'succeeded' });
    expect(await api.runs.get(tenantId, charges.id)).toMatchObject({ status: 'succeeded' });
  });

  it('pauses when a successful answer says none remain, and keeps the later of two pauses', async () => {
    const clock = { now: Date.now() };
    const { limits } = limitsOn(clock);
    const integration = { rateLimits: [{ requests: 100, perSeconds: 3600, per: 'token' as const }] };
    const connectionId = `conn_${randomBytes(8).toString('hex')}`;
    const budgeted: SyncWorkerDeps = {
      ...worker,
      slowDown: (t, connection, definition, until) => slowProviderBudget(limits, t, connection.id, definition, until),
      now: () => new Date(clock.now),
    };
    const { connectionId: repoConnection, streams } = await connectRepo(3);
    await startSyncRun(api, audit('sync.start'), repoConnection, { streams, mode: 'incremental' });
    // GitHub answers the page, its last request of the hour.
    fake.remaining = 1;
    try {
      expect(await processSyncJob(budgeted, queue.shift()!.job)).toBe('stream-succeeded');
    } finally {
      fake.remaining = 5000;
    }
    const wait = await providerBudget(limits, tenantId, repoConnection, here);
    // The fake's x-ratelimit-reset is a minute ahead, in whole seconds.
    expect(wait).toBeGreaterThan(58_000);
    expect(wait).toBeLessThanOrEqual(61_000);

    await slowProviderBudget(limits, tenantId, connectionId, integration, clock.now + 60_000);
    await slowProviderBudget(limits, tenantId, connectionId, integration, clock.now + 10_000);
    expect(await providerBudget(limits, tenantId, connectionId, integration)).toBe(60_000);
    clock.now += 60_000;
    expect(await providerBudget(limits, tenantId, connectionId, integration)).toBeUndefined();
  });

  it('costs a page one request per documented limit, paused or not, and a connection without limits one read', async () => {
    // Ten seconds into a minute: the 60-second window has 50 left.
    const clock = { now: Math.floor(Date.now() / 60_000) * 60_000 + 10_000 };
    const { limits, requests } = limitsOn(clock);
    const integration = { rateLimits: [{ requests: 2, perSeconds: 60, per: 'token' as const }] };
    const connectionId = `conn_${randomBytes(8).toString('hex')}`;
    const cost = async () => {
      const before = requests.count;
      const wait = await providerBudget(limits, tenantId, connectionId, integration);
      return { wait, requests: requests.count - before };
    };
    // A window's first request starts it (two writes); the others take one.
    expect(await cost()).toEqual({ wait: undefined, requests: 2 });
    expect(await cost()).toEqual({ wait: undefined, requests: 1 });
    expect(await cost()).toEqual({ wait: 50_000, requests: 1 });
    clock.now += 50_000;
    await slowProviderBudget(limits, tenantId, connectionId, integration, clock.now + 30_000);
    expect(await cost()).toEqual({ wait: 30_000, requests: 1 });
    clock.now += 30_000;
    // The pause kept the new window from starting: this request starts it.
    expect(await cost()).toEqual({ wait: undefined, requests: 2 });
    expect(await cost()).toEqual({ wait: undefined, requests: 1 });

    const unlimited = { rateLimits: [] };
    const before = requests.count;
    expect(await providerBudget(limits, tenantId, connectionId, unlimited)).toBeUndefined();
    await slowProviderBudget(limits, tenantId, connectionId, unlimited, clock.now + 5_000);
    expect(await providerBudget(limits, tenantId, connectionId, unlimited)).toBe(5_000);
    expect(requests.count - before).toBe(3);
  });
});

describe('a run whose progress stopped', () => {
  it('is failed by the sweep with the reason, its stream freed and sync.failed sent; a run still moving is left alone', async () => {
    const { connectionId, streams } = await connectRepo(150);
    const stuck = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    expect(await processSyncJob(worker, queue.shift()!.job)).toBe('next-page');
    queue.length = 0; // the next page's message is lost
    // Its last change an hour ago, as the index sees it.
    const read = (await api.runs.get(tenantId, stuck.id))!;
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect(await api.runs.update(tenantId, { ...read, updatedAt: hourAgo, version: read.version + 1 }, [], [])).toBe(true);
    const other = await connectRepo(3);
    const moving = await startSyncRun(api, audit('sync.start'), other.connectionId, { streams: other.streams, mode: 'incremental' });

    const failed = await failStalledRuns(api, 30 * 60_000);
    expect(failed).toContain(stuck.id);
    expect(failed).not.toContain(moving.id);
    const ended = (await api.runs.get(tenantId, stuck.id))!;
    expect(ended).toMatchObject({ status: 'failed', streams: [{ status: 'failed', pages: 1 }] });
    expect(ended.reason).toMatch(/^stalled: no progress for 30 minutes/);
    expect((await api.runs.get(tenantId, moving.id))!.status).toBe('queued');
    expect(await failStalledRuns(api, 30 * 60_000)).not.toContain(stuck.id);
    // The stream is free again.
    await expect(startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' })).resolves.toMatchObject({ status: 'queued' });
    const events = await (await runtime.call('/v1/events?type=sync.failed&limit=100')).json();
    expect(events.data.some((e: { data: { id: string } }) => e.data.id === stuck.id)).toBe(true);
  });
});

describe('an OAuth connection whose access token the provider refuses mid-run', () => {
  /** The worker as for an OAuth connection: tokens from `issue`, which sees the token the provider refused. */
  function oauthWorker(issue: (rejected?: string) => Promise<Record<string, string>>): SyncWorkerDeps {
    return {
      ...worker,
      connections: { get: async (t, id) => ({ ...(await worker.connections.get(t, id))!, authType: 'oauth2' }) },
      credentials: (_t, _c, _i, rejected) => issue(rejected),
    };
  }
  const drainWith = async (deps: SyncWorkerDeps) => {
    const outcomes: string[] = [];
    while (queue.length > 0) outcomes.push(await processSyncJob(deps, queue.shift()!.job));
    return outcomes;
  };

  it('refreshes the token once and goes on with the run', async () => {
    const { connectionId, streams } = await connectRepo(3);
    const fresh = `gho_${randomBytes(18).toString('hex')}`;
    fake.tokens.add(fresh);
    const asked: Array<string | undefined> = [];
    const deps = oauthWorker(async (rejected) => (asked.push(rejected), { accessToken: rejected === undefined ? 'gho_revoked' : fresh }));
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    expect(await drainWith(deps)).toEqual(['stream-succeeded']);
    expect(asked).toEqual([undefined, 'gho_revoked']);
    expect(await api.runs.get(tenantId, run.id)).toMatchObject({ status: 'succeeded', streams: [{ added: 3 }] });
  });

  it('fails the run auth_failed when the grant is gone, and waits when the token endpoint fails for now', async () => {
    const { connectionId, streams } = await connectRepo(3);
    const run = await startSyncRun(api, audit('sync.start'), connectionId, { streams, mode: 'incremental' });
    const flaky = oauthWorker(async (rejected) => {
      if (rejected) throw new BadGateway('the token endpoint failed (temporarily_unavailable)');
      return { accessToken: 'gho_revoked' };
    });
    expect(await processSyncJob(flaky, queue[0]!.job)).toBe('throttled');
    expect(queue.map((q) => q.delaySeconds)).toEqual([0, 30]);
    queue.shift();
    const gone = oauthWorker(async (rejected) => {
      if (rejected) throw new ReauthorizationRequired(connectionId);
      return { accessToken: 'gho_revoked' };
    });
    expect(await drainWith(gone)).toEqual(['stream-failed']);
    const failed = await api.runs.get(tenantId, run.id);
    expect(failed!.streams[0]!.reason).toMatch(/^auth_failed: connection .* must be authorized again/);
  });
});

describe("each provider's streams, as the catalog defines them, against its fake", () => {
  async function connect(json: Record<string, unknown>) {
    const response = await runtime.call('/v1/connections', { method: 'POST', json });
    expect(response.status).toBe(201);
    return (await response.json()).id as string;
  }
  async function runTwice(connectionId: string, stream: string, change: () => void) {
    const first = await startSyncRun(api, audit('sync.start'), connectionId, { streams: [stream], mode: 'incremental' });
    await drain();
    change();
    const second = await startSyncRun(api, audit('sync.start'), connectionId, { streams: [stream], mode: 'incremental' });
    await drain();
    return [await api.runs.get(tenantId, first.id), await api.runs.get(tenantId, second.id)];
  }

  it('Stripe customers: has_more and starting_after, then only the customers created since the checkpoint', async () => {
    const key = `sk_test_${randomBytes(12).toString('hex')}`;
    fakeStripe.tokens.add(key);
    const connectionId = await connect({ integration: 'stripe', name: 'Payments', credentials: { apiKey: key } });
    const start = Date.now() - 3 * 86_400_000;
    for (let i = 0; i < 130; i++) fakeStripe.add('customers', { created: start + i * 60_000, email: `c${i}@example.com` });
    const [first, second] = await runTwice(connectionId, 'customers', () => {
      for (let i = 0; i < 3; i++) fakeStripe.add('customers', { email: `new${i}@example.com` });
    });
    expect(first).toMatchObject({ status: 'succeeded', streams: [{ pages: 2, added: 130 }] });
    expect(second).toMatchObject({ status: 'succeeded', streams: [{ added: 3, updated: 0 }] });
    expect(fakeStripe.requests.at(-1)!.query.get('created[gte]')).toMatch(/^\d+$/);
  });

  it("HubSpot contacts: the search's after cursor in the body, then only the contacts modified since the checkpoint", async () => {
    const token = `pat-na1-${randomBytes(8).toString('hex')}`;
    fakeHubSpot.tokens.add(token);
    const connectionId = await connect({ integration: 'hubspot', name: 'CRM', credentials: { token } });
    const start = Date.now() - 3 * 86_400_000;
    for (let i = 0; i < 250; i++) fakeHubSpot.add('contacts', { email: `p${i}@example.com` }, start + i * 60_000);
    const [first, second] = await runTwice(connectionId, 'contacts', () => {
      for (const contact of fakeHubSpot.records('contacts').slice(0, 2)) contact.updated = Date.now();
    });
    expect(first).toMatchObject({ status: 'succeeded', streams: [{ pages: 2, added: 250 }] });
    expect(second).toMatchObject({ status: 'succeeded', streams: [{ added: 0, updated: 2 }] });
  });

  it("Shopify orders: GraphQL pageInfo.endCursor, then only the orders updated since the checkpoint", async () => {
    const apiKey = `shpat_${randomBytes(16).toString('hex')}`;
    fakeShopify.tokens.add(apiKey);
    const connectionId = await connect({ integration: 'shopify', name: 'Shop', params: { shop: 'junction-test' }, credentials: { apiKey } });
    const start = Date.now() - 3 * 86_400_000;
    for (let i = 0; i < 260; i++) fakeShopify.add('orders', { name: `#${1000 + i}` }, start + i * 60_000);
    const [first, second] = await runTwice(connectionId, 'orders', () => {
      const order = fakeShopify.records('orders')[5]!;
      order.updated = Date.now();
      fakeShopify.add('orders', { name: '#new' });
    });
    expect(first).toMatchObject({ status: 'succeeded', streams: [{ pages: 2, added: 260 }] });
    expect(second).toMatchObject({ status: 'succeeded', streams: [{ added: 1, updated: 1 }] });
  });
});
