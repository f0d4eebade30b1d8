import { newId } from './ids';
import { idempotencyCommit, type IdempotencyClaim } from './idempotency';
import type { AuditEntry } from './audit-log';
import type { TableStore, TransactItem } from './items';

/**
 * The audit log: one entry per mutating call, newest first per tenant.
 *
 *   pk TENANT#<tenant>  sk AUDIT#<entry id>
 *
 * A change writes its entry in the same DynamoDB transaction as the change itself
 * (`changeRecords`), so no change exists without its entry. A refused call changes nothing;
 * the HTTP wrapper records it on its own (`recordRefusal`). Reading it is audit-log.ts.
 */
export interface Audit {
  tenantId: string;
  /** The API key that made the call, or `admin-cli` / `system`. */
  keyId: string;
  requestId: string;
  /** `api_key.create`, `connection.update`, … */
  action: string;
  /** The request's claimed Idempotency-Key, committed with the change. */
  idempotency?: IdempotencyClaim;
}

/** The audit identity of work not done through the API: the admin CLI, local provisioning. */
export function operatorAudit(tenantId: string, operator: string, action: string): Audit {
  return { tenantId, keyId: operator, requestId: newId('req'), action };
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

/**
 * What every change writes in its own transaction: its audit entry and, when the request
 * carried an Idempotency-Key, the key's commit (so a retry never repeats the change).
 */
export function changeRecords(table: string, audit: Audit, target: string, at: string, status = 200): TransactItem[] {
  return [
    { Put: { TableName: table, Item: item(audit, { at, target, outcome: 'succeeded', status }) } },
    ...(audit.idempotency ? [idempotencyCommit(table, audit.idempotency, target)] : []),
  ];
}

/**
 * The entry of a change that is not a DynamoDB write (a message sent to a queue), written
 * after it: no transaction can hold both, so a crash between them loses the entry, never
 * the change.
 */
export async function recordChange(store: TableStore, audit: Audit, target: string, status = 200) {
  await store.db.put({ TableName: store.table, Item: item(audit, { at: new Date().toISOString(), target, outcome: 'succeeded', status }) });
}

export async function recordRefusal(store: TableStore, audit: Audit, target: string | null, status: number, problem: string) {
  await store.db.put({
      TableName: store.table,
      Item: item(audit, { at: new Date().toISOString(), target, outcome: 'refused', status, problem }),
    });
}
