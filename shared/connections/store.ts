import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { decodeCursor, encodeCursor } from '../platform/pagination';
import type { Sealed } from '../vault/vault';

/**
 * Connections in the main table.
 *
 *   pk TENANT#<tenant>  sk CONN#<id>               the connection (never a secret)
 *   pk TENANT#<tenant>  sk CONN#<id>#CREDENTIALS   its sealed credentials
 *
 * Credentials live in their own item so that reading or listing connections never loads
 * ciphertext, and deleting a connection deletes the ciphertext with it (one transaction).
 * Every change carries its audit entry in the same transaction (`also`).
 */
export interface ConnectionStore {
  db: DynamoDBDocumentClient;
  table: string;
}

export type ConnectionStatus = 'active' | 'auth_failed' | 'error';

export interface TestOutcome {
  at: string;
  ok: boolean;
  status: number | null;
  latencyMs: number;
  detail: string;
}

export interface ConnectionItem {
  id: string;
  integration: string;
  name: string;
  authType: string;
  params: Record<string, string>;
  /** Names of the credential fields that are set (never their values). */
  credentialFields: string[];
  status: ConnectionStatus;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastTest: TestOutcome | null;
}

export interface CredentialsItem extends Sealed {
  tenantId: string;
  connectionId: string;
  updatedAt: string;
}

export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const connectionSk = (id: string) => `CONN#${id}`;
const credentialsSk = (id: string) => `CONN#${id}#CREDENTIALS`;

export function credentialsPut(table: string, item: CredentialsItem): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { pk: pk(item.tenantId), sk: credentialsSk(item.connectionId), ...item },
    },
  };
}

export async function createConnection(
  store: ConnectionStore,
  tenantId: string,
  connection: ConnectionItem,
  credentials: CredentialsItem,
  also: TransactItem[],
) {
  await store.db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: store.table,
            Item: { pk: pk(tenantId), sk: connectionSk(connection.id), ...connection },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        credentialsPut(store.table, credentials),
        ...also,
      ],
    }),
  );
}

export async function getConnection(store: ConnectionStore, tenantId: string, id: string) {
  const { Item } = await store.db.send(
    new GetCommand({ TableName: store.table, Key: { pk: pk(tenantId), sk: connectionSk(id) }, ConsistentRead: true }),
  );
  return Item ? strip<ConnectionItem>(Item) : undefined;
}

export async function getCredentials(store: ConnectionStore, tenantId: string, id: string) {
  const { Item } = await store.db.send(
    new GetCommand({ TableName: store.table, Key: { pk: pk(tenantId), sk: credentialsSk(id) }, ConsistentRead: true }),
  );
  return Item ? strip<CredentialsItem>(Item) : undefined;
}

export async function listConnections(
  store: ConnectionStore,
  tenantId: string,
  query: { limit: number; cursor?: string; integration?: string; status?: string },
) {
  const filters = ['attribute_exists(version)'];
  const values: Record<string, string> = { ':pk': pk(tenantId), ':prefix': 'CONN#' };
  if (query.integration) {
    filters.push('integration = :integration');
    values[':integration'] = query.integration;
  }
  if (query.status) {
    filters.push('#status = :status');
    values[':status'] = query.status;
  }
  const result = await store.db.send(
    new QueryCommand({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: filters.join(' AND '),
      ...(query.status ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: query.limit,
      ExclusiveStartKey: decodeCursor(query.cursor, { pk: pk(tenantId) }),
    }),
  );
  return {
    items: (result.Items ?? []).map((item) => strip<ConnectionItem>(item)),
    nextCursor: encodeCursor(result.LastEvaluatedKey),
  };
}

export type UpdateOutcome = 'updated' | 'missing' | 'stale';

/**
 * Applies `changes` if the stored version is still `expectedVersion`, bumping it, and
 * writes `also` (new credentials, the audit entry) in the same transaction.
 */
export async function updateConnection(
  store: ConnectionStore,
  tenantId: string,
  id: string,
  expectedVersion: number,
  changes: Partial<Pick<ConnectionItem, 'name' | 'params' | 'credentialFields' | 'status'>> & { updatedAt: string },
  also: TransactItem[],
): Promise<UpdateOutcome> {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
  const sets = Object.entries(changes).map(([field, value]) => {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    return `#${field} = :${field}`;
  });
  const transaction = new TransactWriteCommand({
    TransactItems: [
      {
        Update: {
          TableName: store.table,
          Key: { pk: pk(tenantId), sk: connectionSk(id) },
          UpdateExpression: `SET ${sets.join(', ')} ADD #version :one`,
          ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      ...also,
    ],
  });
  // Two transactions on the same item at once: DynamoDB may cancel one with
  // TransactionConflict before judging its condition. Retrying lets the condition decide,
  // so exactly one of several concurrent writers of the same version wins.
  for (let attempt = 1; ; attempt++) {
    try {
      await store.db.send(transaction);
      return 'updated';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const code = error.CancellationReasons?.[0]?.Code;
      if (code === 'TransactionConflict' && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        continue;
      }
      if (code !== 'ConditionalCheckFailed') throw error;
      return (await getConnection(store, tenantId, id)) ? 'stale' : 'missing';
    }
  }
}

/** Deletes the connection and its sealed credentials together; false if it did not exist. */
export async function deleteConnection(store: ConnectionStore, tenantId: string, id: string, also: TransactItem[]) {
  try {
    await store.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: store.table,
              Key: { pk: pk(tenantId), sk: connectionSk(id) },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          { Delete: { TableName: store.table, Key: { pk: pk(tenantId), sk: credentialsSk(id) } } },
          ...also,
        ],
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
      return false;
    }
    throw error;
  }
}

/** Records the outcome of a connection test (not a user edit: the version stays). */
export async function recordTest(
  store: ConnectionStore,
  tenantId: string,
  id: string,
  outcome: TestOutcome,
  status: ConnectionStatus,
  also: TransactItem[],
) {
  await store.db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: store.table,
            Key: { pk: pk(tenantId), sk: connectionSk(id) },
            UpdateExpression: 'SET lastTest = :outcome, #status = :status',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':outcome': outcome, ':status': status },
          },
        },
        ...also,
      ],
    }),
  );
}

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

