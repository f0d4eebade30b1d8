import * as z from 'zod';
import { queryPage, type TableStore } from './items';
import { PageQuery } from './pagination';
import { responseSchema } from './contract';

/**
 * Reading the audit log that audit.ts writes. Apart from it, so the functions that only
 * write entries do not build these schemas.
 */
export const AuditEntry = responseSchema(() =>
  z
    .object({
      id: z.string(),
      at: z.iso.datetime(),
      keyId: z.string(),
      requestId: z.string(),
      action: z.string(),
      target: z.string().nullable(),
      outcome: z.enum(['succeeded', 'refused']),
      status: z.number().int(),
      problem: z.string().optional(),
    })
    .meta({ id: 'AuditEntry' }),
);
export type AuditEntry = z.infer<ReturnType<typeof AuditEntry>>;

export const AuditQuery = PageQuery.extend({
  action: z.string().max(100).optional(),
  outcome: z.enum(['succeeded', 'refused']).optional(),
});

export async function listAuditLog(store: TableStore, tenantId: string, query: z.infer<typeof AuditQuery>) {
  const { items, nextCursor } = await queryPage<AuditEntry>(store, {
    pk: `TENANT#${tenantId}`,
    prefix: 'AUDIT#',
    limit: query.limit,
    cursor: query.cursor,
    equals: { action: query.action, outcome: query.outcome },
  });
  return { data: items, nextCursor };
}
