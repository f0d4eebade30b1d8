import { conditionFailedItem, isConditionFailed } from './dynamodb';
import { createHash } from 'node:crypto';
import type { TableStore, TransactItem } from './items';

/**
 * `Idempotency-Key` on mutating POSTs: a retried request with the same key gets the first
 * request's response instead of doing the work twice.
 *
 *   pk TENANT#<tenant>  sk IDEMPOTENCY#<key>   (expires after 24 hours)
 *
 * A request first claims its key (`in_progress`, locked for longer than any function can
 * run). The change it makes marks the key `committed` in the change's own transaction
 * (through the audit entry, see `auditPut`), so a change and its key are never apart; the
 * response is stored afterwards (`completed`) and replayed to retries. A request that fails
 * releases its claim, so a retry runs again. A request that crashed after committing leaves
 * `committed` without a response: retries are told what it changed rather than redoing it.
 */
export interface IdempotencyClaim {
  tenantId: string;
  key: string;
  /** Of method, path and body: the same key with a different request is refused. */
  fingerprint: string;
  requestId: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type ClaimOutcome =
  | { state: 'claimed' }
  | { state: 'mismatch' }
  | { state: 'in_progress'; retryAfterSeconds: number }
  | { state: 'committed'; target: string | null }
  | { state: 'completed'; response: StoredResponse | null; target: string | null };

/** Keys are the client's: printable ASCII, as the IETF draft's examples, up to 255 characters. */
export const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;
const keepForSeconds = 24 * 60 * 60;

const address = (claim: Pick<IdempotencyClaim, 'tenantId' | 'key'>) => ({
  pk: `TENANT#${claim.tenantId}`,
  sk: `IDEMPOTENCY#${claim.key}`,
});

export function fingerprintOf(method: string, path: string, body: string): string {
  return createHash('sha256').update(`${method} ${path}\n${body}`).digest('base64url');
}

/**
 * Claims the key for this request, or says why not. `lockMs` must exceed the longest a
 * request can run: a claim older than that belongs to a request that died before
 * committing, and may be taken over.
 */
export async function claimIdempotencyKey(
  store: TableStore,
  claim: IdempotencyClaim,
  options: { now: number; lockMs: number },
): Promise<ClaimOutcome> {
  try {
    await store.db.put({
        TableName: store.table,
        Item: {
          ...address(claim),
          status: 'in_progress',
          fingerprint: claim.fingerprint,
          requestId: claim.requestId,
          lockedUntil: options.now + options.lockMs,
          expiresAt: Math.floor(options.now / 1000) + keepForSeconds,
        },
        ConditionExpression:
          'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#status = :inProgress AND lockedUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':now': options.now,
          ':nowSeconds': Math.floor(options.now / 1000),
          ':inProgress': 'in_progress',
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    return { state: 'claimed' };
  } catch (error) {
    const held = conditionFailedItem(error);
    if (!held) throw error;
    if (held.fingerprint !== claim.fingerprint) return { state: 'mismatch' };
    const target = typeof held.target === 'string' ? held.target : null;
    switch (held.status) {
      case 'in_progress':
        return { state: 'in_progress', retryAfterSeconds: Math.max(1, Math.ceil((Number(held.lockedUntil) - options.now) / 1000)) };
      case 'committed':
        return { state: 'committed', target };
      default: {
        const response = typeof held.response === 'string' ? (JSON.parse(held.response) as StoredResponse) : null;
        return { state: 'completed', response, target };
      }
    }
  }
}

/**
 * The transaction item that marks the key committed with the change it belongs to. Its
 * condition holds unless another request took the claim over, which happens only after
 * this one has outlived any function timeout.
 */
export function idempotencyCommit(table: string, claim: IdempotencyClaim, target: string): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: address(claim),
      UpdateExpression: 'SET #status = :committed, target = :target',
      ConditionExpression: 'requestId = :me',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':committed': 'committed', ':target': target, ':me': claim.requestId },
    },
  };
}

/**
 * Stores the response for replays. `response: null` keeps only the fact that the request
 * succeeded (its response carried a secret that is shown once).
 */
export async function completeIdempotencyKey(store: TableStore, claim: IdempotencyClaim, response: StoredResponse | null) {
  await store.db.update({
      TableName: store.table,
      Key: address(claim),
      UpdateExpression: response ? 'SET #status = :completed, #response = :response' : 'SET #status = :completed',
      ConditionExpression: 'requestId = :me',
      ExpressionAttributeNames: { '#status': 'status', ...(response ? { '#response': 'response' } : {}) },
      ExpressionAttributeValues: {
        ':completed': 'completed',
        ':me': claim.requestId,
        ...(response ? { ':response': JSON.stringify(response) } : {}),
      },
    });
}

/** Gives the key back after a failure that changed nothing, so a retry runs again. */
export async function releaseIdempotencyKey(store: TableStore, claim: IdempotencyClaim) {
  try {
    await store.db.delete({
        TableName: store.table,
        Key: address(claim),
        ConditionExpression: 'requestId = :me AND #status = :inProgress',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':me': claim.requestId, ':inProgress': 'in_progress' },
      });
  } catch (error) {
    // Committed meanwhile (the change happened; keep the key) or taken over: nothing to give back.
    if (!(isConditionFailed(error))) throw error;
  }
}
