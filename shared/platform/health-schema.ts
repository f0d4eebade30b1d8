import * as z from 'zod';

export const DependencyStatus = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  error: z.string().optional(),
});

export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checkedAt: z.iso.datetime(),
    dependencies: z.record(z.string(), DependencyStatus),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof Health>;
