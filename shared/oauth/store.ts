import { isConditionFailed } from '../platform/dynamodb';
import { strip, type TableStore, type TransactItem } from '../platform/items';
import type { Sealed } from '../vault/vault';
import type { sessionStatuses } from './schema';

/**
 * OAuth items in the main table.
 *
 *   pk TENANT#<tenant>  sk OAUTHCLIENT#<integration>   the tenant's OAuth app (secret sealed)
 *   pk SESSION#<id>     sk SESSION                     a connect session; found from `state`
 *                                                       at the callback, before any tenant is known
 *
 * A session's PKCE verifier is sealed like every other secret. Sessions are kept a week
 * for inspection (TTL), but usable only for their first 10 minutes (`validUntil`).
 */
export interface OAuthClientItem extends Sealed {
  integration: string;
  clientId: string;
  scopes: string[] | null;
  redirectUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export type SessionStatus = (typeof sessionStatuses)[number];

export interface SessionItem {
  id: string;
  tenantId: string;
  /** The API key that started the flow: the change it makes is audited under it. */
  keyId: string;
  integration: string;
  params: Record<string, string>;
  scopes: string[];
  name: string | null;
  returnUrl: string;
  redirectUri: string;
  stateHash: string;
  /** The sealed PKCE verifier, when the provider takes PKCE. */
  verifier: Sealed | null;
  /** The connection to re-authorize, then the connection the flow made. */
  connectionId: string | null;
  status: SessionStatus;
  error: string | null;
  errorDescription: string | null;
  createdAt: string;
  validUntil: string;
  /** Epoch seconds: the table's TTL attribute. */
  expiresAt: number;
}

const tenantPk = (tenantId: string) => `TENANT#${tenantId}`;
const clientSk = (integration: string) => `OAUTHCLIENT#${integration}`;
export const sessionKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' });

export function clientPut(table: string, tenantId: string, item: OAuthClientItem): TransactItem {
  return { Put: { TableName: table, Item: { pk: tenantPk(tenantId), sk: clientSk(item.integration), ...item } } };
}

export function clientDelete(table: string, tenantId: string, integration: string): TransactItem {
  return {
    Delete: { TableName: table, Key: { pk: tenantPk(tenantId), sk: clientSk(integration) }, ConditionExpression: 'attribute_exists(pk)' },
  };
}

/** For a transaction that removes what the client belongs to (a custom integration): deletes it if there is one. */
export function clientDeleteIfAny(table: string, tenantId: string, integration: string): TransactItem {
  return { Delete: { TableName: table, Key: { pk: tenantPk(tenantId), sk: clientSk(integration) } } };
}

export async function getClient(store: TableStore, tenantId: string, integration: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: { pk: tenantPk(tenantId), sk: clientSk(integration) }, ConsistentRead: true });
  return Item ? strip<OAuthClientItem>(Item) : undefined;
}

export function sessionPut(table: string, item: SessionItem): TransactItem {
  return { Put: { TableName: table, Item: { ...sessionKey(item.id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

export async function getSession(store: TableStore, id: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: sessionKey(id), ConsistentRead: true });
  return Item ? strip<SessionItem>(Item) : undefined;
}

/**
 * Moves a session from `pending` to `exchanging` if it is still valid: the one step that
 * makes `state` single-use. False when another callback got there first or it expired.
 */
export async function claimSession(store: TableStore, id: string, now: Date): Promise<boolean> {
  try {
    await store.db.update({
        TableName: store.table,
        Key: sessionKey(id),
        UpdateExpression: 'SET #status = :exchanging',
        ConditionExpression: '#status = :pending AND validUntil > :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':exchanging': 'exchanging', ':pending': 'pending', ':now': now.toISOString() },
      });
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** Ends a session the callback claimed (or an expired pending one) with its outcome. */
export function sessionFinish(
  table: string,
  id: string,
  from: SessionStatus,
  outcome: { status: SessionStatus; connectionId?: string; error?: string; errorDescription?: string },
): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: sessionKey(id),
      UpdateExpression: `SET #status = :status, #error = :error, errorDescription = :description${outcome.connectionId ? ', connectionId = :connection' : ''}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
      ExpressionAttributeValues: {
        ':status': outcome.status,
        ':from': from,
        ':error': outcome.error ?? null,
        ':description': outcome.errorDescription ?? null,
        ...(outcome.connectionId ? { ':connection': outcome.connectionId } : {}),
      },
    },
  };
}
