import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { BulkSyncInput, BulkSyncResult, ConnectionSyncsPath, SyncRun, SyncRunInput, SyncRunListQuery, SyncRunPath } from './schema';

const tag = 'Syncs';

export const startSyncContract = defineContract({
  summary: "Start a sync run of the connection's streams now (incremental from each checkpoint, or full)",
  tag,
  scope: 'write',
  audit: 'sync.start',
  path: ConnectionSyncsPath,
  body: SyncRunInput,
  responses: {
    202: { description: 'The run, queued: GET /v1/syncs/{runId} follows it', schema: SyncRun },
    409: { description: 'Another run is syncing one of these streams (the detail names it)' },
  },
});

export const listSyncsContract = defineContract({
  summary: "The connection's sync runs, newest first; filter by status",
  tag,
  scope: 'read',
  path: ConnectionSyncsPath,
  query: SyncRunListQuery,
  responses: { 200: { description: 'A page of runs with their per-stream counts', schema: page(SyncRun) } },
});

export const getSyncContract = defineContract({
  summary: 'One sync run: its status, and per stream its pages, records added, updated, unchanged and deleted',
  tag,
  scope: 'read',
  path: SyncRunPath,
  responses: { 200: { description: 'The run', schema: SyncRun } },
});

export const cancelSyncContract = defineContract({
  summary: 'Cancel a queued or running sync run: its streams stop before their next page',
  tag,
  scope: 'write',
  audit: 'sync.cancel',
  path: SyncRunPath,
  responses: {
    200: { description: 'The run, cancelled', schema: SyncRun },
    409: { description: 'The run has ended already' },
  },
});

export const bulkSyncContract = defineContract({
  summary: 'Retry (failed or cancelled) or cancel (queued or running) many sync runs: by id, or a connection\'s newest runs that a filter picks',
  tag,
  scope: 'write',
  audit: 'sync.bulk',
  body: BulkSyncInput,
  responses: { 200: { description: 'Per run its outcome: retried (with the new run), cancelled, not_found or conflict (with why)', schema: BulkSyncResult } },
});
