import * as z from 'zod';
import { responseSchema } from '../platform/contract';

const count = () => z.number().int().min(0);

export const Overview = responseSchema(() =>
  z
    .object({
      /** When the figures were read. */
      asOf: z.iso.datetime(),
      /** Integrations with at least one connection, most connections first. */
      integrations: z.array(z.object({ integration: z.string(), connections: count() })),
      connections: z.object({
        total: count(),
        byStatus: z.object({ active: count(), auth_failed: count(), error: count() }),
      }),
      /** The last 24 hours, from the per-tenant metrics (minute resolution). */
      last24h: z.object({
        from: z.iso.datetime(),
        to: z.iso.datetime(),
        syncs: z.object({ runs: count(), failedRuns: count(), records: count() }),
        webhooks: z.object({
          deliveries: count(),
          attempts: count(),
          failures: count(),
          /** Share of delivery attempts that succeeded, 0–1; null when there were none. */
          successRate: z.number().min(0).max(1).nullable(),
        }),
        inbound: z.object({ accepted: count(), refused: count() }),
        uploads: z.object({ bytes: count(), completed: count(), failed: count() }),
      }),
      alerts: z.object({ firing: count(), acknowledged: count() }),
    })
    .meta({ id: 'Overview' }),
);
export type Overview = z.infer<ReturnType<typeof Overview>>;
