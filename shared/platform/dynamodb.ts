import { marshall, unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { AwsError, awsService, callJson, type AwsService, type AwsServiceOptions } from './aws-request';

/**
 * DynamoDB with plain JavaScript items, over the JSON protocol (`DynamoDB_20120810.*`).
 * Inputs and outputs have the shapes of the API reference (and of the SDK's document
 * client): `Key`, `Item`, `ExpressionAttributeValues` and the answers' items are native
 * values, marshalled here with the SDK's own `@aws-sdk/util-dynamodb`.
 *
 * Errors are `AwsError`s named by DynamoDB's error codes: `isConditionFailed` and
 * `cancellationReasonsOf` read the two that the stores act on.
 */
export type Item = Record<string, NativeAttributeValue>;

interface Expressions {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

interface Conditional extends Expressions {
  ConditionExpression?: string;
  ReturnValuesOnConditionCheckFailure?: 'ALL_OLD' | 'NONE';
}

type ReturnValues = 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';

export interface GetInput extends Expressions {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
}
export interface PutInput extends Conditional {
  TableName: string;
  Item: Item;
  ReturnValues?: ReturnValues;
}
export interface UpdateInput extends Conditional {
  TableName: string;
  Key: Item;
  UpdateExpression: string;
  ReturnValues?: ReturnValues;
}
export interface DeleteInput extends Conditional {
  TableName: string;
  Key: Item;
  ReturnValues?: ReturnValues;
}
export interface ConditionCheckInput extends Conditional {
  TableName: string;
  Key: Item;
  ConditionExpression: string;
}
export interface QueryInput extends Expressions {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ScanIndexForward?: boolean;
  ConsistentRead?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Item;
}
export interface ScanInput extends Expressions {
  TableName: string;
  IndexName?: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ConsistentRead?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Item;
}
export type TransactItem =
  | { Put: PutInput }
  | { Update: UpdateInput }
  | { Delete: DeleteInput }
  | { ConditionCheck: ConditionCheckInput };

export interface Page {
  Items: Item[];
  Count: number;
  ScannedCount: number;
  LastEvaluatedKey?: Item;
}

export interface CancellationReason {
  Code?: string;
  Message?: string;
  Item?: Item;
}

export interface DynamoDb {
  get(input: GetInput): Promise<{ Item?: Item }>;
  put(input: PutInput): Promise<{ Attributes?: Item }>;
  update(input: UpdateInput): Promise<{ Attributes?: Item }>;
  delete(input: DeleteInput): Promise<{ Attributes?: Item }>;
  query(input: QueryInput): Promise<Page>;
  scan(input: ScanInput): Promise<Page>;
  /** All or nothing; a failed condition cancels it (`cancellationReasonsOf`). */
  transactWrite(input: { TransactItems: TransactItem[] }): Promise<void>;
  describeTable(input: { TableName: string }): Promise<{ Table?: { TableStatus?: string } }>;
}

const options = { removeUndefinedValues: true };
const toWire = (item: Item) => marshall(item, options);
const fromWire = (item: Record<string, never>) => unmarshall(item) as Item;

/** The attribute maps of a request, marshalled; every other field passes as it is. */
function wireInput(input: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  for (const field of ['Key', 'Item', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const) {
    const value = (input as Record<string, Item | undefined>)[field];
    if (value === undefined) delete out[field];
    else out[field] = toWire(value);
  }
  return out;
}

type WireOutput = { Item?: Record<string, never>; Attributes?: Record<string, never>; Items?: Array<Record<string, never>>; LastEvaluatedKey?: Record<string, never>; Count?: number; ScannedCount?: number };

export function createDynamoDb(serviceOptions: AwsServiceOptions = {}): DynamoDb {
  let service: AwsService | undefined;
  const call = <T = WireOutput>(operation: string, input: unknown) =>
    callJson<T>((service ??= awsService('dynamodb', serviceOptions)), `DynamoDB_20120810.${operation}`, input).catch(
      (error: unknown) => {
        throw withNativeItems(error);
      },
    );
  const attributes = (out: WireOutput) => (out.Attributes ? { Attributes: fromWire(out.Attributes) } : {});
  const page = (out: WireOutput): Page => ({
    Items: (out.Items ?? []).map(fromWire),
    Count: out.Count ?? 0,
    ScannedCount: out.ScannedCount ?? 0,
    ...(out.LastEvaluatedKey ? { LastEvaluatedKey: fromWire(out.LastEvaluatedKey) } : {}),
  });
  return {
    get: async (input) => {
      const out = await call('GetItem', wireInput(input));
      return out.Item ? { Item: fromWire(out.Item) } : {};
    },
    put: async (input) => attributes(await call('PutItem', wireInput(input))),
    update: async (input) => attributes(await call('UpdateItem', wireInput(input))),
    delete: async (input) => attributes(await call('DeleteItem', wireInput(input))),
    query: async (input) => page(await call('Query', wireInput(input))),
    scan: async (input) => page(await call('Scan', wireInput(input))),
    transactWrite: async ({ TransactItems }) => {
      const items = TransactItems.map((item) =>
        Object.fromEntries(Object.entries(item).map(([kind, operation]) => [kind, wireInput(operation as object)])),
      );
      await call('TransactWriteItems', { TransactItems: items });
    },
    describeTable: (input) => call('DescribeTable', input),
  };
}

/**
 * Errors carry wire-format items (the item a failed condition saw, with
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`; each cancelled transaction item's):
 * callers get native ones.
 */
function withNativeItems(error: unknown): unknown {
  if (!(error instanceof AwsError)) return error;
  type WireReason = { Code?: string; Message?: string; Item?: Record<string, never> };
  const details = { ...error.details };
  if (details.Item) details.Item = fromWire(details.Item as Record<string, never>);
  if (Array.isArray(details.CancellationReasons)) {
    details.CancellationReasons = (details.CancellationReasons as WireReason[]).map((reason) =>
      reason.Item ? { ...reason, Item: fromWire(reason.Item) } : reason,
    );
  }
  return new AwsError(error.name, error.message, error.status, details);
}

/** A put, update or delete whose ConditionExpression did not hold. */
export const isConditionFailed = (error: unknown): boolean =>
  error instanceof AwsError && error.name === 'ConditionalCheckFailedException';

/** The item as it was when a condition asked to see it (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`) failed. */
export function conditionFailedItem(error: unknown): Item | undefined {
  return isConditionFailed(error) ? ((error as AwsError).details.Item as Item | undefined) : undefined;
}

/** Why each item of a cancelled transaction was refused (`ConditionalCheckFailed`, `TransactionConflict`, `None`); undefined for any other error. */
export function cancellationReasonsOf(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof AwsError) || error.name !== 'TransactionCanceledException') return undefined;
  return (error.details.CancellationReasons as CancellationReason[] | undefined) ?? [];
}
