import * as z from 'zod';
import { responseSchema } from './contract';

export const DependencyStatus = responseSchema(() =>
  z.object({
    status: z.enum(['up', 'down']),
    latencyMs: z.number(),
    error: z.string().optional(),
  }),
);
export type DependencyStatus = z.infer<ReturnType<typeof DependencyStatus>>;

export const Health = responseSchema(() =>
  z
    .object({
      status: z.enum(['ok', 'degraded']),
      checkedAt: z.iso.datetime(),
      dependencies: z.record(z.string(), DependencyStatus()),
    })
    .meta({ id: 'Health' }),
);
export type Health = z.infer<ReturnType<typeof Health>>;
