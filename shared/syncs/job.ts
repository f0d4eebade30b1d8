import * as z from 'zod';

/** A `syncJobs` message: one page of one stream of a run (service.ts `SyncJob`). */
export const SyncJobMessage = z.strictObject({
  tenantId: z.string().min(1),
  runId: z.string().min(1),
  stream: z.number().int().min(0).max(49),
  page: z.number().int().min(0),
});
