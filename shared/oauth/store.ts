import { isConditionFailed } from '../platform/dynamodb';
import { strip, transact, type TableStore, type TransactItem } from '../platform/items';
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
export interface OAuthStore {
  /** The table its transactions run in: callers build their `also` items for it. */
  readonly table: string;
  getClient(tenantId: string, integration: string): Promise<OAuthClientItem | undefined>;
  /** Writes the client with `also`; false when a condition failed (nothing written). */
  putClient(tenantId: string, item: OAuthClientItem, also: TransactItem[]): Promise<boolean>;
  /** False when there is no client (nothing written). */
  deleteClient(tenantId: string, integration: string, also: TransactItem[]): Promise<boolean>;
  createSession(item: SessionItem, also: TransactItem[]): Promise<boolean>;
  getSession(id: string): Promise<SessionItem | undefined>;
  claimSession(id: string, now: Date): Promise<boolean>;
  /** False when the session is no longer `from`. */
  finishSession(id: string, from: SessionStatus, outcome: SessionOutcome): Promise<boolean>;
  /** The same change as an item of another transaction (the one that makes the flow's connection). */
  sessionFinish(id: string, from: SessionStatus, outcome: SessionOutcome): TransactItem;
}

export interface SessionOutcome {
  status: SessionStatus;
  connectionId?: string;
  error?: string;
  errorDescription?: string;
}

/** The store on a table. */
export function oauthStore(store: TableStore): OAuthStore {
  return {
    table: store.table,
    getClient: (tenantId, integration) => getClient(store, tenantId, integration),
    putClient: (tenantId, item, also) => transact(store, [clientPut(store.table, tenantId, item), ...also]),
    deleteClient: (tenantId, integration, also) => transact(store, [clientDelete(store.table, tenantId, integration), ...also]),
    createSession: (item, also) => transact(store, [sessionPut(store.table, item), ...also]),
    getSession: (id) => getSession(store, id),
    claimSession: (id, now) => claimSession(store, id, now),
    finishSession: (id, from, outcome) => transact(store, [sessionFinish(store.table, id, from, outcome)]),
    sessionFinish: (id, from, outcome) => sessionFinish(store.table, id, from, outcome),
  };
}

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
const sessionKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' });

function clientPut(table: string, tenantId: string, item: OAuthClientItem): TransactItem {
  return { Put: { TableName: table, Item: { pk: tenantPk(tenantId), sk: clientSk(item.integration), ...item } } };
}

function clientDelete(table: string, tenantId: string, integration: string): TransactItem {
  return {
    Delete: { TableName: table, Key: { pk: tenantPk(tenantId), sk: clientSk(integration) }, ConditionExpression: 'attribute_exists(pk)' },
  };
}

/** For a transaction that removes what the client belongs to (a custom integration): deletes it if there is one. */
export function clientDeleteIfAny(table: string, tenantId: string, integration: string): TransactItem {
  return { Delete: { TableName: table, Key: { pk: tenantPk(tenantId), sk: clientSk(integration) } } };
}

async function getClient(store: TableStore, tenantId: string, integration: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: { pk: tenantPk(tenantId), sk: clientSk(integration) }, ConsistentRead: true });
  return Item ? strip<OAuthClientItem>(Item) : undefined;
}

function sessionPut(table: string, item: SessionItem): TransactItem {
  return { Put: { TableName: table, Item: { ...sessionKey(item.id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

async function getSession(store: TableStore, id: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: sessionKey(id), ConsistentRead: true });
  return Item ? strip<SessionItem>(Item) : undefined;
}

/**
 * Moves a session from `pending` to `exchanging` if it is still valid: the one step that
 * makes `state` single-use. False when another callback got there first or it expired.
 */
async function claimSession(store: TableStore, id: string, now: Date): Promise<boolean> {
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
function sessionFinish(
  table: string,
  id: string,
  from: SessionStatus,
  outcome: SessionOutcome,
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
