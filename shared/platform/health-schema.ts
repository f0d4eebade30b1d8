import * as z from 'zod';
import { responseSchema } from './contract';

export const DependencyStatus = responseSchema(() =>
  z.object({
    status: z.enum(['up', 'down']),
    latencyMs: z.number(),
    error: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)
      .optional()
      .meta({
        description:
          'Why it is down, as a code: the state it reports (`Disabled`, `PendingDeletion`, `INACCESSIBLE_ENCRYPTION_CREDENTIALS`, `DELETING`, `ARCHIVED`), ' +
          'or the failed call\'s error code (`AccessDeniedException`, `NotFound`, `TimeoutError`, `unreachable`). Never the error\'s message.',
      }),
  }),
);
export type DependencyStatus = z.infer<ReturnType<typeof DependencyStatus>>;

export const Health = responseSchema(() =>
  z
    .object({
      status: z.enum(['ok', 'degraded']),
      checkedAt: z.iso.datetime(),
      dependencies: z.record(z.string(), DependencyStatus()).meta({
        description: 'By declared (logical) name, never the physical one: `table:main`, `table:limits`, `bucket:uploads`, `queue:<name>`, `key`',
      }),
    })
    .meta({ id: 'Health' }),
);
export type Health = z.infer<ReturnType<typeof Health>>;
