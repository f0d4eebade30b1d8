import { tally } from '../metrics/tally';
import { eventPut } from '../events/store';
import { changeRecords, type Audit } from '../platform/audit';
import { Conflict, DomainError, Invalid, NotFound } from '../platform/errors';
import { newId } from '../platform/ids';
import type { Integration } from '../integrations/schema';
import { compilePattern } from '../integrations/vocabulary';
import type { ConnectionItem } from '../connections/store';
import { maxBulkRuns, type BulkSyncInput, type BulkSyncResult, type SyncRun, type SyncRunInput, type SyncRunListQuery } from './schema';
import type { StreamRunItem, SyncRunItem, SyncRunStore } from './run-store';

/**
 * Sync runs through the API: start one, read them, cancel one. The pages themselves are
 * the worker's (worker.ts): a run starts as a message per stream on the `syncJobs` queue.
 */
export interface SyncJob {
  tenantId: string;
  runId: string;
  /** The stream's position in the run. */
  stream: number;
  /** The page this message reads (0 first); a copy of a page already read is dropped. */
  page: number;
}

export interface SyncApiDeps {
  runs: SyncRunStore;
  connections: { get(tenantId: string, id: string): Promise<ConnectionItem | undefined> };
  integrations: { find(tenantId: string, key: string): Promise<Integration | undefined> };
  /** Sends the messages to the `syncJobs` queue, hidden for `delaySeconds`; throws unless all were sent. */
  enqueue(jobs: SyncJob[], delaySeconds?: number): Promise<void>;
  /** Days a run is kept (its item's TTL). */
  retentionDays?: number;
  now?: () => Date;
}

const nowOf = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

/**
 * Starts a run of the chosen streams (all param-free ones by default): 202 with the run,
 * queued. `runId`: the run's id when the caller derives it (a scheduled run): a second
 * start under it answers the run the first one made. `delaySeconds`: how long its first
 * pages wait on the queue.
 */
export async function startSyncRun(
  deps: SyncApiDeps,
  audit: Audit,
  connectionId: string,
  input: SyncRunInput,
  options: { runId?: string; delaySeconds?: number } = {},
): Promise<SyncRun> {
  const { tenantId } = audit;
  const connection = await deps.connections.get(tenantId, connectionId);
  if (!connection) throw new NotFound(`no connection ${connectionId}`);
  const integration = await deps.integrations.find(tenantId, connection.integration);
  if (!integration) throw new Error(`integration ${connection.integration} disappeared from the catalog`);
  const streams = chooseStreams(integration, input.streams, 'body.streams');
  const now = nowOf(deps);
  const at = now.toISOString();
  const run: SyncRunItem = {
    id: options.runId ?? newId('sync', now.getTime()),
    connectionId,
    integration: integration.key,
    mode: input.mode,
    status: 'queued',
    reason: null,
    streams,
    createdAt: at,
    startedAt: null,
    finishedAt: null,
    updatedAt: at,
    version: 1,
    expiresAt: Math.floor(now.getTime() / 1000) + (deps.retentionDays ?? 30) * 86_400,
  };
  const view = toRunView(run);
  const created = await deps.runs.create(tenantId, run, [...changeRecords(deps.runs.table, audit, run.id, at, 202), eventPut(deps.runs.table, tenantId, 'sync.started', view, now)]);
  if (created.outcome === 'exists') return getSyncRun(deps, tenantId, run.id);
  if (created.outcome === 'locked') {
    throw new Conflict(`stream ${created.stream} of connection ${connectionId} is being synced by run ${created.heldBy}; wait for it to end or cancel it (POST /v1/syncs/${created.heldBy}/cancel)`);
  }
  if (created.outcome === 'replaced') throw new Conflict('the Idempotency-Key of this request was committed by another request meanwhile; send it again to see that one’s response');
  await deps.enqueue(
    run.streams.map((_, stream) => ({ tenantId, runId: run.id, stream, page: 0 })),
    options.delaySeconds,
  );
  return view;
}

export async function getSyncRun(deps: Pick<SyncApiDeps, 'runs'>, tenantId: string, runId: string): Promise<SyncRun> {
  const run = await deps.runs.get(tenantId, runId);
  if (!run) throw new NotFound(`no sync run ${runId}`);
  return toRunView(run);
}

export async function listSyncRuns(deps: Pick<SyncApiDeps, 'runs' | 'connections'>, tenantId: string, connectionId: string, query: SyncRunListQuery) {
  if (!(await deps.connections.get(tenantId, connectionId))) throw new NotFound(`no connection ${connectionId}`);
  const { items, nextCursor } = await deps.runs.list(tenantId, connectionId, query);
  return { data: items.map(toRunView), nextCursor };
}

/** Cancels a run that has not ended: its streams stop before their next page, and their locks are released. */
export async function cancelSyncRun(deps: Pick<SyncApiDeps, 'runs' | 'now'>, audit: Audit, runId: string): Promise<SyncRun> {
  for (let tries = 0; tries < 5; tries++) {
    const run = await deps.runs.get(audit.tenantId, runId);
    if (!run) throw new NotFound(`no sync run ${runId}`);
    if (run.status !== 'queued' && run.status !== 'running') throw new Conflict(`sync run ${runId} has ended (${run.status}); only a queued or running run can be cancelled`);
    const now = nowOf(deps);
    const { next, ended } = endOpenStreams(run, 'cancelled', 'cancelled through the API', now);
    const view = toRunView(next);
    const also = [...changeRecords(deps.runs.table, audit, runId, now.toISOString()), eventPut(deps.runs.table, audit.tenantId, 'sync.failed', view, now)];
    if (await deps.runs.update(audit.tenantId, next, ended, also)) return view;
  }
  throw new Conflict(`sync run ${runId} kept changing while it was being cancelled; try again`);
}

/**
 * Fails the runs that have made no progress for `stallMs` (Nango #7159: a sync that never
 * ends must not look alive): their open streams end `failed` with the reason, their locks
 * are released, `sync.failed` goes out. A run that moved meanwhile is left alone.
 * Answers the runs failed.
 */
export async function failStalledRuns(deps: Pick<SyncApiDeps, 'runs' | 'now'>, stallMs: number): Promise<string[]> {
  const now = nowOf(deps);
  const before = new Date(now.getTime() - stallMs).toISOString();
  const failed: string[] = [];
  for (const { tenantId, runId } of await deps.runs.idleSince(before)) {
    const run = await deps.runs.get(tenantId, runId);
    // The index lags the table: read the run itself before judging it.
    if (!run || (run.status !== 'queued' && run.status !== 'running') || run.updatedAt >= before) continue;
    const reason = `stalled: no progress for ${Math.round(stallMs / 60_000)} minutes (since ${run.updatedAt})`;
    const { next, ended } = endOpenStreams(run, 'failed', reason, now);
    if (await deps.runs.update(tenantId, next, ended, [eventPut(deps.runs.table, tenantId, 'sync.failed', toRunView(next), now)])) {
      failed.push(runId);
      tally.count(tenantId, 'sync', { integration: run.integration, connection: run.connectionId }, { runs: 1, runs_failed: 1 });
      tally.fail(tenantId, { kind: 'sync.stalled', integration: run.integration, connection: run.connectionId }, reason);
    }
  }
  return failed;
}

/** The run ended `status`: its open streams too, with the reason, their locks to release. */
function endOpenStreams(run: SyncRunItem, status: 'cancelled' | 'failed', reason: string, now: Date) {
  const at = now.toISOString();
  const ended = run.streams.flatMap((stream, index) => (stream.status === 'queued' || stream.status === 'running' ? [{ index, checkpoint: null }] : []));
  const open = new Set(ended.map(({ index }) => index));
  const next: SyncRunItem = {
    ...run,
    status,
    reason,
    streams: run.streams.map((stream, index) => (open.has(index) ? { ...stream, status, reason, next: null } : stream)),
    finishedAt: at,
    updatedAt: at,
    version: run.version + 1,
  };
  return { next, ended };
}

/**
 * Retries or cancels many runs: by id, or the connection's newest runs a filter picks.
 * Each run gets its own outcome; one that cannot be acted on (gone, still running for a
 * retry, ended for a cancel) does not stop the others. A retry starts a new run of the
 * same streams, with their params, in the same mode.
 */
export async function bulkSyncAction(deps: SyncApiDeps, audit: Audit, input: BulkSyncInput): Promise<BulkSyncResult> {
  const { tenantId } = audit;
  let runIds = input.runIds ?? [];
  if (input.filter) {
    const { connectionId, status } = input.filter;
    if (!(await deps.connections.get(tenantId, connectionId))) throw new NotFound(`no connection ${connectionId}`);
    runIds = (await deps.runs.list(tenantId, connectionId, { limit: maxBulkRuns, ...(status ? { status } : {}) })).items.map((run) => run.id);
  }
  const results: BulkSyncResult['results'] = [];
  for (const runId of [...new Set(runIds)]) {
    const result = { runId, detail: null, newRunId: null };
    try {
      if (input.action === 'cancel') {
        await cancelSyncRun(deps, audit, runId);
        results.push({ ...result, outcome: 'cancelled' });
        continue;
      }
      const run = await deps.runs.get(tenantId, runId);
      if (!run) throw new NotFound(`no sync run ${runId}`);
      if (run.status !== 'failed' && run.status !== 'cancelled') throw new Conflict(`sync run ${runId} is ${run.status}; only a failed or cancelled run is retried`);
      const retried = await startSyncRun(deps, audit, run.connectionId, { mode: run.mode, streams: run.streams.map(({ name, params }) => ({ name, params })) });
      results.push({ ...result, outcome: 'retried', newRunId: retried.id });
    } catch (error) {
      if (!(error instanceof DomainError) || (error.status !== 404 && error.status !== 409 && error.status !== 400)) throw error;
      results.push({ ...result, outcome: error.status === 404 ? 'not_found' : 'conflict', detail: error.message });
    }
  }
  return { results };
}

/**
 * A run's streams: the ones asked for, each checked against the integration's (a 400
 * naming each wrong one under `field`), or every stream without required params.
 */
export function chooseStreams(integration: Integration, asked: SyncRunInput['streams'], field: string): StreamRunItem[] {
  const defined = integration.streams;
  if (defined.length === 0) throw new Invalid(`integration ${integration.key} has no streams to sync`, [{ field, message: 'its integration defines no streams' }]);
  const choices = asked ?? defined.filter((stream) => !(stream.params ?? []).some((param) => param.required)).map((stream) => stream.name);
  if (choices.length === 0) {
    throw new Invalid(`every stream of ${integration.key} needs params: name them in streams`, [{ field, message: `choose from ${defined.map((s) => s.name).join(', ')}, with their params` }]);
  }
  const problems: Array<{ field: string; message: string }> = [];
  const streams = choices.map((choice, i): StreamRunItem => {
    const { name, params } = typeof choice === 'string' ? { name: choice, params: {} as Record<string, string> } : choice;
    const at = `${field}.${i}`;
    const stream = defined.find((s) => s.name === name);
    if (!stream) problems.push({ field: at, message: `no stream "${name}" in ${integration.key} (${defined.map((s) => s.name).join(', ')})` });
    for (const param of stream?.params ?? []) {
      const value = params[param.name];
      if (value === undefined) {
        if (param.required) problems.push({ field: `${at}.params.${param.name}`, message: `is required (${param.label})` });
      } else if (value.length > param.maxLength || !compilePattern(param.pattern).test(value)) {
        problems.push({ field: `${at}.params.${param.name}`, message: param.hint ?? `does not match ${param.pattern}` });
      }
    }
    for (const extra of Object.keys(params).filter((key) => !(stream?.params ?? []).some((param) => param.name === key))) {
      problems.push({ field: `${at}.params.${extra}`, message: `stream ${name} has no param "${extra}"` });
    }
    return { name, params, status: 'queued', reason: null, pages: 0, added: 0, updated: 0, unchanged: 0, deleted: 0, since: null, next: null, maxCursorValue: null };
  });
  const keys = streams.map((s) => JSON.stringify([s.name, Object.entries(s.params).sort()]));
  keys.forEach((key, i) => keys.indexOf(key) !== i && problems.push({ field: `${field}.${i}`, message: 'named twice' }));
  if (problems.length > 0) throw new Invalid('the streams asked for are refused', problems);
  return streams;
}

export function toRunView(run: SyncRunItem): SyncRun {
  return {
    id: run.id,
    connectionId: run.connectionId,
    integration: run.integration,
    mode: run.mode,
    status: run.status,
    reason: run.reason,
    streams: run.streams.map(({ name, params, status, reason, pages, added, updated, unchanged, deleted, since }) => ({ name, params, status, reason, pages, added, updated, unchanged, deleted, since })),
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
  };
}
