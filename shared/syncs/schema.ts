import * as z from 'zod';
import { responseSchema } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { PageQuery } from '../platform/pagination';

/** The API's shapes for sync runs (`POST /v1/connections/{id}/syncs` and the run views). */
export const syncRunIdPattern = idPattern('sync');
// Not imported from connections/schema: the connection's schema imports the schedule's, which imports this.
const ConnectionId = z.string().regex(idPattern('conn'), 'not a connection id (conn_…)');
export const syncModes = ['incremental', 'full'] as const;
export type SyncMode = (typeof syncModes)[number];
export const runStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];

const StreamName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a stream name (lowercase snake_case)');

/** A stream to sync: its name, or its name with the values of its params (GitHub's `owner`, `repo`). */
export const StreamChoice = z.union([
  StreamName,
  z.strictObject({
    name: StreamName,
    params: z.record(z.string().regex(/^[a-z][A-Za-z0-9]{0,63}$/, 'a param name'), z.string().max(255)).default({}),
  }),
]);

export const SyncRunInput = z.strictObject({
  /** The streams to sync; all of the integration's streams that need no params when absent. */
  streams: z.array(StreamChoice).min(1).max(50).optional(),
  /** `incremental` goes on from each stream's checkpoint; `full` reads everything and tombstones what is gone. */
  mode: z.enum(syncModes).default('incremental'),
});
export type SyncRunInput = z.infer<typeof SyncRunInput>;

export const SyncRunPath = z.strictObject({ runId: z.string().regex(syncRunIdPattern, 'not a sync run id (sync_…)') });
export const ConnectionSyncsPath = z.strictObject({ id: ConnectionId });
export const SyncRunListQuery = PageQuery.extend({ status: z.enum(runStatuses).optional() });
export type SyncRunListQuery = z.infer<typeof SyncRunListQuery>;

export const StreamRunView = responseSchema(() =>
  z
    .object({
      name: z.string(),
      params: z.record(z.string(), z.string()),
      status: z.enum(runStatuses),
      reason: z.string().nullable().describe('Why it failed or was cancelled'),
      pages: z.number().int(),
      added: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      deleted: z.number().int(),
      since: z.string().nullable().describe('The checkpoint an incremental run went on from'),
    })
    .meta({ id: 'StreamRun' }),
);

export const SyncRun = responseSchema(() =>
  z
    .object({
      id: z.string(),
      connectionId: z.string(),
      integration: z.string(),
      mode: z.enum(syncModes),
      status: z.enum(runStatuses),
      reason: z.string().nullable(),
      streams: z.array(StreamRunView()),
      createdAt: z.iso.datetime(),
      startedAt: z.iso.datetime().nullable(),
      finishedAt: z.iso.datetime().nullable(),
    })
    .meta({ id: 'SyncRun' }),
);
export type SyncRun = z.infer<ReturnType<typeof SyncRun>>;

export const bulkActions = ['retry', 'cancel'] as const;
/** Outcomes of a bulk action, per run. */
export const bulkOutcomes = ['retried', 'cancelled', 'not_found', 'conflict'] as const;
export const maxBulkRuns = 100;

/** `POST /v1/syncs/bulk`: the runs by id, or those of a connection that a filter picks (the newest 100). */
export const BulkSyncInput = z
  .strictObject({
    action: z.enum(bulkActions),
    runIds: z.array(z.string().regex(syncRunIdPattern, 'not a sync run id (sync_…)')).min(1).max(maxBulkRuns).optional(),
    filter: z
      .strictObject({
        connectionId: ConnectionId,
        status: z.enum(runStatuses).optional(),
      })
      .optional(),
  })
  .superRefine((input, ctx) => {
    if ((input.runIds === undefined) === (input.filter === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['runIds'], message: 'give runIds or filter, not both and not neither' });
    }
  });
export type BulkSyncInput = z.infer<typeof BulkSyncInput>;

export const BulkSyncResult = responseSchema(() =>
  z
    .object({
      results: z.array(
        z.object({
          runId: z.string(),
          outcome: z.enum(bulkOutcomes),
          /** Why it was not done (`conflict`, `not_found`), else null. */
          detail: z.string().nullable(),
          /** The new run a retry started, else null. */
          newRunId: z.string().nullable(),
        }),
      ),
    })
    .meta({ id: 'BulkSyncResult' }),
);
export type BulkSyncResult = z.infer<ReturnType<typeof BulkSyncResult>>;
