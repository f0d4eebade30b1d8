import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { newId } from './ids';
import { decodeCursor, encodeCursor } from './pagination';

/**
 * The audit log: one entry per mutating call, newest first per tenant.
 *
 *   pk TENANT#<tenant>  sk AUDIT#<entry id>
 *
 * A change writes its entry in the same DynamoDB transaction as the change itself
 * (`auditPut`), so no change exists without its entry. A refused call changes nothing;
 * the HTTP wrapper records it on its own (`recordRefusal`).
 */
export interface Audit {
  tenantId: string;
  /** The API key that made the call, or `admin-cli` / `system`. */
  keyId: string;
  requestId: string;
  /** `api_key.create`, `connection.update`, … */
  action: string;
}

/** The audit identity of work not done through the API: the admin CLI, local provisioning. */
export function operatorAudit(tenantId: string, operator: string, action: string): Audit {
  return { tenantId, keyId: operator, requestId: newId('req'), action };
}

export const AuditEntry = z
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
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1024).optional(),
  action: z.string().max(100).optional(),
  outcome: z.enum(['succeeded', 'refused']).optional(),
});

interface Store {
  db: DynamoDBDocumentClient;
  table: string;
}

const item = (audit: Audit, entry: Omit<AuditEntry, 'id' | 'keyId' | 'requestId' | 'action'>) => {
  const id = newId('aud', Date.parse(entry.at));
  return {
    pk: `TENANT#${audit.tenantId}`,
    sk: `AUDIT#${id}`,
    id,
    keyId: audit.keyId,
    requestId: audit.requestId,
    action: audit.action,
    ...entry,
  };
};

/** The transaction item recording a successful change to `target`. */
export function auditPut(table: string, audit: Audit, target: string, at: string, status = 200) {
  return { Put: { TableName: table, Item: item(audit, { at, target, outcome: 'succeeded', status }) } };
}

export async function recordRefusal(store: Store, audit: Audit, target: string | null, status: number, problem: string) {
  await store.db.send(
    new PutCommand({
      TableName: store.table,
      Item: item(audit, { at: new Date().toISOString(), target, outcome: 'refused', status, problem }),
    }),
  );
}

export async function listAuditLog(store: Store, tenantId: string, query: z.infer<typeof AuditQuery>) {
  const pk = `TENANT#${tenantId}`;
  const filters: string[] = [];
  const values: Record<string, string> = { ':pk': pk, ':prefix': 'AUDIT#' };
  if (query.action) {
    filters.push('#action = :action');
    values[':action'] = query.action;
  }
  if (query.outcome) {
    filters.push('outcome = :outcome');
    values[':outcome'] = query.outcome;
  }
  const result = await store.db.send(
    new QueryCommand({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(query.action ? { ExpressionAttributeNames: { '#action': 'action' } } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: query.limit,
      ExclusiveStartKey: decodeCursor(query.cursor, { pk }),
    }),
  );
  return {
    data: (result.Items ?? []).map(({ pk: _pk, sk: _sk, ...entry }) => entry as AuditEntry),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
  };
}
