import * as z from 'zod';
import { responseSchema } from './contract';

/**
 * RFC 9457 problem details, as every error response carries them: their description in
 * the OpenAPI document. The handler stack writes them from the type alone (problem.ts),
 * so functions do not build this schema.
 */
export const Problem = responseSchema(() =>
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string(),
      instance: z.string().optional(),
      requestId: z.string(),
      errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    })
    .meta({ id: 'Problem' }),
);
export type Problem = z.infer<ReturnType<typeof Problem>>;
