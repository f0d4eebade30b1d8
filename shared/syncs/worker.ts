import { tally, type CountersOf } from '../metrics/tally';
import type { ConnectionItem } from '../connections/store';
import { eventPut } from '../events/store';
import type { Integration } from '../integrations/schema';
import type { Stream } from '../integrations/streams';
import { authorizeRequest, buildBaseUrl } from '../integrations/service';
import { BadGateway, DomainError } from '../platform/errors';
import type { TransactItem } from '../platform/items';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import type { RecordInput, RecordStore, WriteCounts } from '../records/store';
import { firstRequest, interpretPage, PagingError, type PageRecord, type PageRequest, type PagingContext } from './paging';
import { pausedUntil, slowDownMs } from './rate-limits';
import type { StreamRunItem, SyncRunItem, SyncRunStore } from './run-store';
import { toRunView, type SyncJob } from './service';

/**
 * The sync worker: one page of one stream per `syncJobs` message. It sends the page's
 * request, writes its records, then records the stream's progress (with the next page's
 * request) and queues the next page, so a run of any length is a chain of short
 * invocations and a crash repeats at most one page: the records store counts a record
 * it already holds as unchanged, never twice.
 *
 * A stream ends `succeeded` only when its last page said there is no next one; its
 * checkpoint (the highest cursor value read) is stored in the same transaction, never
 * before. A wrong answer (malformed, of the wrong shape, a cursor that pages in place, a
 * refused credential) ends it `failed` with the reason. A provider asking to slow down is
 * asked again later: waiting is not failing.
 */
export interface SyncWorkerDeps {
  runs: SyncRunStore;
  connections: { get(tenantId: string, id: string): Promise<ConnectionItem | undefined> };
  integrations: { find(tenantId: string, key: string): Promise<Integration | undefined> };
  records: Pick<RecordStore, 'writePage' | 'tombstoneUnseen'>;
  /**
   * The connection's credentials (OAuth: fresh tokens). `rejected`: the access token the
   * provider has just refused, to be refreshed even before its expiry.
   */
  credentials(tenantId: string, connection: ConnectionItem, integration: Integration, rejected?: string): Promise<Record<string, string>>;
  /**
   * Takes one request from the provider's documented budget for this connection (the
   * catalog's `rateLimits`), shared by every worker; undefined when admitted, else the
   * milliseconds until the budget's window opens again.
   */
  admit?(tenantId: string, connection: ConnectionItem, integration: Integration): Promise<number | undefined>;
  /**
   * The provider said to slow down (or that the budget is spent): no request of this
   * connection, from any worker, goes before `untilMs` (epoch ms). See budget.ts.
   */
  slowDown?(tenantId: string, connection: ConnectionItem, integration: Integration, untilMs: number): Promise<void>;
  /** One request through the outbound client (SSRF rules, its retries, answers cut at `maxPageBytes`). */
  send(request: OutboundRequest): Promise<OutboundResponse>;
  enqueue(jobs: SyncJob[], delaySeconds?: number): Promise<void>;
  now?: () => Date;
}

/** A provider's page is cut here (a page of 10,000 records of 1 KB, with room to spare): past it, the answer is refused as cut. */
export const maxPageBytes = 20 * 1024 * 1024;

export type JobOutcome = 'ended' | 'duplicate' | 'next-page' | 'throttled' | 'stream-succeeded' | 'stream-failed';

interface Failure {
  reason: string;
}

const nowOf = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

/**
 * Handles a `syncJobs` message: its page and, while `until` (epoch ms) leaves time for
 * another, the stream's following pages in the same invocation, then queues the next page
 * for another one (Lambda's time runs out; one page when `until` is absent). The run, the
 * connection and the credentials are read once per invocation, not per page; progress is
 * still recorded after every page, so a crash repeats at most one page.
 */
export async function processSyncJob(deps: SyncWorkerDeps, job: SyncJob, options: { until?: number } = {}): Promise<JobOutcome> {
  const known: Known = {};
  let read = await deps.runs.get(job.tenantId, job.runId);
  let current = job;
  let slowestMs = 0;
  for (;;) {
    const started = Date.now();
    const step = await processPage(deps, read, current, known);
    if (step.outcome !== 'next-page') return step.outcome;
    slowestMs = Math.max(slowestMs, Date.now() - started);
    current = { ...current, page: current.page + 1 };
    // Room for two of the slowest pages yet, and a margin for the answer to SQS.
    if (options.until === undefined || Date.now() + 2 * slowestMs + 2_000 > options.until) {
      await deps.enqueue([current]);
      return 'next-page';
    }
    read = step.run;
  }
}

/** What an invocation reads once for all the pages it handles. */
interface Known {
  connection?: ConnectionItem;
  integration?: Integration;
  credentials?: Record<string, string>;
}

type PageStep = { outcome: Exclude<JobOutcome, 'next-page'> } | { outcome: 'next-page'; run: SyncRunItem };

async function processPage(deps: SyncWorkerDeps, run: SyncRunItem | undefined, job: SyncJob, known: Known): Promise<PageStep> {
  const done = (outcome: Exclude<JobOutcome, 'next-page'>): PageStep => ({ outcome });
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return done('ended');
  const stream = run.streams[job.stream];
  if (!stream || (stream.status !== 'queued' && stream.status !== 'running')) return done('ended');
  if (stream.pages !== job.page) {
    // Progress recorded past this page and the chain lost (a crash after recording, before
    // queuing the next page): queue it again. A copy of a page still being read is dropped
    // by the version check when it records its progress.
    if (stream.pages > job.page && stream.next) await deps.enqueue([{ ...job, page: stream.pages }]);
    return done('duplicate');
  }

  known.connection ??= await deps.connections.get(job.tenantId, run.connectionId);
  const connection = known.connection;
  known.integration ??= connection && (await deps.integrations.find(job.tenantId, connection.integration));
  const integration = known.integration;
  const definition = integration?.streams.find((s) => s.name === stream.name);
  if (!connection || !integration || !definition) {
    return done(await endStream(deps, run, job, { reason: !connection ? 'the connection was deleted' : `the integration no longer defines stream ${stream.name}` }));
  }

  const since = job.page === 0 && run.mode === 'incremental' ? ((await deps.runs.checkpoints(job.tenantId, run.connectionId, [stream]))[0]?.cursor ?? null) : stream.since;
  const context: PagingContext = {
    stream: definition,
    baseUrl: buildBaseUrl(integration, connection.params),
    params: { ...connection.params, ...stream.params },
    mode: run.mode === 'full' ? { kind: 'full' } : { kind: 'incremental', checkpoint: since },
  };

  const budgetWait = await deps.admit?.(job.tenantId, connection, integration);
  if (budgetWait !== undefined) {
    // The provider's budget is spent for now: the page waits for the next window.
    countSync(job.tenantId, run, { rate_limited: 1 });
    await deps.enqueue([job], Math.min(900, Math.ceil(budgetWait / 1000)));
    return done('throttled');
  }
  let request: PageRequest;
  let response: OutboundResponse;
  try {
    request = job.page === 0 ? firstRequest(context) : stream.next!;
    known.credentials ??= await deps.credentials(job.tenantId, connection, integration);
    response = await deps.send(authorizedPage(integration, connection.authType, known.credentials, request));
    if (response.status === 401 && connection.authType === 'oauth2') {
      // Refused before its expiry (revoked, rotated elsewhere): refreshed once, asked again.
      known.credentials = await deps.credentials(job.tenantId, connection, integration, known.credentials.accessToken);
      response = await deps.send(authorizedPage(integration, connection.authType, known.credentials, request));
    }
  } catch (error) {
    if (error instanceof PagingError) return done(await endStream(deps, run, job, { reason: `${error.reason}: ${error.message}` }));
    if (error instanceof OutboundError) return done(await endStream(deps, run, job, { reason: `the provider could not be reached: ${error.message}` }));
    if (error instanceof BadGateway) {
      // The token endpoint failed for now: the page waits, the run does not fail.
      await deps.enqueue([job], 30);
      return done('throttled');
    }
    // The grant is gone (the connection is marked auth_failed by the refresh), or the
    // credentials or OAuth client no longer fit.
    if (error instanceof DomainError) return done(await endStream(deps, run, job, { reason: `auth_failed: ${error.message}` }));
    throw error;
  }
  const until = pausedUntil(response, nowOf(deps).getTime());
  if (until !== undefined) await deps.slowDown?.(job.tenantId, connection, integration, until);
  const wait = slowDownMs(response, nowOf(deps).getTime());
  if (wait !== undefined) {
    countSync(job.tenantId, run, { rate_limited: 1 });
    await deps.enqueue([job], Math.ceil(wait / 1000));
    return done('throttled');
  }
  if (response.status === 401) return done(await endStream(deps, run, job, { reason: 'auth_failed: the provider refused the connection’s credentials (401)' }));
  if (response.status < 200 || response.status > 299) {
    const redirect = response.status >= 300 && response.status < 400 ? ' (a redirect: never followed)' : '';
    return done(await endStream(deps, run, job, { reason: `status: the provider answered ${response.status}${redirect}` }));
  }

  let records: RecordInput[];
  let page: ReturnType<typeof interpretPage>;
  try {
    page = interpretPage(context, request, { status: response.status, headers: flatHeaders(response.headers), body: parseJson(response.body) });
    records = page.records.map((record) => recordInput(definition, record));
  } catch (error) {
    if (error instanceof PagingError) return done(await endStream(deps, run, job, { reason: `${error.reason}: ${error.message}` }));
    throw error;
  }
  // Seen keys are kept only where a full run's missing records are the deletions.
  const diffs = run.mode === 'full' && definition.deletions.kind === 'full-refresh-diff';
  const counts = await deps.records.writePage(job.tenantId, run.connectionId, stream.name, run.id, records, diffs ? { seenBy: run.id } : {});
  const progressed: StreamRunItem = {
    ...add(stream, counts),
    status: 'running',
    pages: stream.pages + 1,
    since,
    next: page.next ?? null,
    maxCursorValue: later(stream.maxCursorValue, page.maxCursorValue ?? null),
  };
  // Counted once the page's progress is recorded: a duplicate copy of the page counts nothing.
  const written = { records: records.length, pages: 1 };
  if (page.next) {
    const saved = await saveProgress(deps, run, job, progressed);
    if (saved) countSync(job.tenantId, run, written);
    return saved ? { outcome: 'next-page', run: saved } : done('duplicate');
  }
  let ended = progressed;
  if (diffs) {
    const { deleted } = await deps.records.tombstoneUnseen(job.tenantId, run.connectionId, stream.name, run.id);
    ended = { ...ended, deleted: ended.deleted + deleted };
  }
  const outcome = await endStream(deps, run, job, ended);
  if (outcome === 'stream-succeeded') countSync(job.tenantId, run, written);
  return done(outcome);
}

/** Counts into the tenant's sync metrics, by integration and connection (shared/metrics/catalog.ts). */
function countSync(tenantId: string, run: SyncRunItem, counters: CountersOf<'sync'>) {
  tally.count(tenantId, 'sync', { integration: run.integration, connection: run.connectionId }, counters);
}

/** A page's request as the outbound client sends it: the definition's headers, the credentials as its auth says, a JSON body. */
export function authorizedPage(integration: Integration, authType: string, credentials: Record<string, string>, request: PageRequest): OutboundRequest {
  return authorizeRequest(integration, authType, credentials, {
    method: request.method,
    url: request.url,
    ...(request.body ? { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } } : {}),
  });
}

/** Records the stream's progress if the run is where this worker read it, answering the run as written; undefined when another copy got there first. */
async function saveProgress(deps: SyncWorkerDeps, read: SyncRunItem, job: SyncJob, progressed: StreamRunItem): Promise<SyncRunItem | undefined> {
  let run = read;
  for (let tries = 0; tries < 10; tries++) {
    const current = run.streams[job.stream]!;
    if (current.pages !== job.page || (current.status !== 'queued' && current.status !== 'running') || (run.status !== 'queued' && run.status !== 'running')) return undefined;
    const at = nowOf(deps).toISOString();
    const next: SyncRunItem = {
      ...run,
      status: 'running',
      startedAt: run.startedAt ?? at,
      streams: run.streams.map((s, i) => (i === job.stream ? progressed : s)),
      updatedAt: at,
      version: run.version + 1,
    };
    if (await deps.runs.update(job.tenantId, next, [], [])) return next;
    // Another stream of the run moved it on: read it again and apply this page to that.
    const fresh = await deps.runs.get(job.tenantId, job.runId);
    if (!fresh) return undefined;
    run = fresh;
  }
  throw new Error(`sync run ${job.runId} kept changing under stream ${job.stream}`);
}

/**
 * Ends the stream, succeeded (`ended` its final progress) or failed (a reason), releasing
 * its lock and storing its checkpoint in one transaction; the run ends with its last stream.
 */
async function endStream(deps: SyncWorkerDeps, read: SyncRunItem, job: SyncJob, ended: StreamRunItem | Failure): Promise<'duplicate' | 'ended' | 'stream-succeeded' | 'stream-failed'> {
  const failed = !('name' in ended);
  let run = read;
  for (let tries = 0; tries < 10; tries++) {
    const current = run.streams[job.stream]!;
    if (current.pages !== job.page || (current.status !== 'queued' && current.status !== 'running') || (run.status !== 'queued' && run.status !== 'running')) return 'duplicate';
    const now = nowOf(deps);
    const at = now.toISOString();
    const stream: StreamRunItem = failed ? { ...current, status: 'failed', reason: ended.reason, next: null } : { ...ended, status: 'succeeded', reason: null, next: null };
    const streams = run.streams.map((s, i) => (i === job.stream ? stream : s));
    const open = streams.some((s) => s.status === 'queued' || s.status === 'running');
    const failures = streams.filter((s) => s.status === 'failed');
    const next: SyncRunItem = {
      ...run,
      status: open ? 'running' : failures.length > 0 ? 'failed' : 'succeeded',
      reason: open || failures.length === 0 ? null : failures.map((s) => `${s.name}: ${s.reason}`).join('; ').slice(0, 1_000),
      startedAt: run.startedAt ?? at,
      finishedAt: open ? null : at,
      streams,
      updatedAt: at,
      version: run.version + 1,
    };
    const events: TransactItem[] = [];
    if (stream.status === 'succeeded' && stream.added + stream.updated + stream.deleted > 0) {
      const { added, updated, deleted } = stream;
      events.push(eventPut(deps.runs.table, job.tenantId, 'records.changed', { connectionId: run.connectionId, runId: run.id, stream: stream.name, added, updated, deleted }, now));
    }
    if (!open) events.push(eventPut(deps.runs.table, job.tenantId, next.status === 'succeeded' ? 'sync.succeeded' : 'sync.failed', toRunView(next), now));
    const checkpoint = stream.status === 'succeeded' ? (stream.maxCursorValue ?? stream.since) : null;
    if (await deps.runs.update(job.tenantId, next, [{ index: job.stream, checkpoint }], events)) {
      if (failed) tally.fail(job.tenantId, { kind: 'sync.stream_failed', integration: run.integration, connection: run.connectionId }, `${stream.name}: ${ended.reason}`);
      if (!open) countSync(job.tenantId, run, { runs: 1, runs_failed: next.status === 'failed' ? 1 : 0 });
      return failed ? 'stream-failed' : 'stream-succeeded';
    }
    const fresh = await deps.runs.get(job.tenantId, job.runId);
    if (!fresh) return 'ended';
    run = fresh;
  }
  throw new Error(`sync run ${job.runId} kept changing under stream ${job.stream}`);
}

function add(stream: StreamRunItem, counts: WriteCounts): StreamRunItem {
  return { ...stream, added: stream.added + counts.added, updated: stream.updated + counts.updated, unchanged: stream.unchanged + counts.unchanged, deleted: stream.deleted + counts.deleted };
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(b) > Date.parse(a) ? b : a);

/** The record's key (its primary key's value) and, where the stream flags deletions, whether it is one. */
function recordInput(stream: Stream, record: PageRecord): RecordInput {
  const key = valueAt(record, stream.primaryKey);
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw new PagingError('record', `a record has no primary key at ${stream.primaryKey.join('.')}`);
  }
  const deletions = stream.deletions;
  if (deletions.kind === 'flag' && valueAt(record, deletions.field) === deletions.value) return { key: String(key), deleted: true };
  return { key: String(key), payload: record };
}

function valueAt(value: unknown, path: string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PagingError('shape', 'the provider’s answer is not JSON (or was cut at the size limit)');
  }
}

function flatHeaders(headers: OutboundResponse['headers']): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
}
