import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocument, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';

/**
 * DynamoDB through the AWS SDK's document client: plain JavaScript items in and out.
 *
 * The SDK gives every `TransactWriteItems` a `ClientRequestToken` when it serializes the
 * call, and its retries resend the same token. A transaction whose first attempt committed
 * but whose answer was lost is then recognised by DynamoDB as the same one and succeeds,
 * instead of failing its own conditions and being reported as "nothing was written".
 *
 * The helpers below read the two errors the stores act on (a failed condition, a cancelled
 * transaction) by their error codes, and hand back their items unmarshalled: the SDK leaves
 * items inside errors in the wire format.
 */
export type DynamoDb = DynamoDBDocument;
export type Item = Record<string, NativeAttributeValue>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface CancellationReason {
  Code?: string;
  Message?: string;
  Item?: Item;
}

/** The document client over a DynamoDB client; undefined attributes are left out, as JSON would. */
export const documentClient = (client: DynamoDBClient): DynamoDb =>
  DynamoDBDocument.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** A document client with its own DynamoDB client (tests, the admin command). */
export const createDynamoDb = (config: DynamoDBClientConfig = {}): DynamoDb => documentClient(new DynamoDBClient(config));

type WireItem = Parameters<typeof unmarshall>[0];
const nameOf = (error: unknown) => (error instanceof Error ? error.name : undefined);
const native = (item: WireItem | undefined): Item | undefined => (item ? (unmarshall(item) as Item) : undefined);

/** A put, update or delete whose ConditionExpression did not hold. */
export const isConditionFailed = (error: unknown): boolean => nameOf(error) === 'ConditionalCheckFailedException';

/** The item as it was when a condition asked to see it (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`) failed. */
export function conditionFailedItem(error: unknown): Item | undefined {
  return isConditionFailed(error) ? native((error as { Item?: WireItem }).Item) : undefined;
}

/** Why each item of a cancelled transaction was refused (`ConditionalCheckFailed`, `TransactionConflict`, `None`); undefined for any other error. */
export function cancellationReasonsOf(error: unknown): CancellationReason[] | undefined {
  if (nameOf(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string; Message?: string; Item?: WireItem }> }).CancellationReasons ?? [];
  return reasons.map(({ Item: item, ...rest }) => (item ? { ...rest, Item: native(item) } : rest));
}
