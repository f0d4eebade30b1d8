import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { FauxqsServer } from 'fauxqs';
import type { Resources } from '../declaration';

/** Physical names of the declared resources in local mode. */
export function localNames(prefix: string) {
  const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return {
    table: (name: string) => `${prefix}-${kebab(name)}`,
    queue: (name: string) => `${prefix}-${kebab(name)}`,
    deadLetterQueue: (name: string) => `${prefix}-${kebab(name)}-dlq`,
    bucket: (name: string) => `${prefix}-${kebab(name)}`,
  };
}

/**
 * Creates every declared table; tables kept in `.local/` from an earlier run are left as
 * they are, but for a declared stream they lack, which is turned on. Answers each streamed
 * table's stream ARN.
 */
export async function provisionTables(dynamodb: DynamoDBClient, resources: Resources, prefix: string): Promise<Record<string, string>> {
  const names = localNames(prefix);
  const streams: Record<string, string> = {};
  for (const [name, table] of Object.entries(resources.tables)) {
    const TableName = names.table(name);
    const keyNames = new Set([
      table.partitionKey,
      table.sortKey,
      ...Object.values(table.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
    ]);
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...keyNames].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
          KeySchema: [
            { AttributeName: table.partitionKey, KeyType: 'HASH' },
            { AttributeName: table.sortKey, KeyType: 'RANGE' },
          ],
          ...(table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } } : {}),
          ...(Object.keys(table.indexes).length
            ? {
                GlobalSecondaryIndexes: Object.entries(table.indexes).map(([IndexName, index]) => ({
                  IndexName,
                  KeySchema: [
                    { AttributeName: index.partitionKey, KeyType: 'HASH' },
                    { AttributeName: index.sortKey, KeyType: 'RANGE' },
                  ],
                  Projection: { ProjectionType: 'ALL' },
                })),
              }
            : {}),
        }),
      );
      if (table.ttlAttribute) {
        await dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (table.stream) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName }));
      let arn = Table?.StreamSpecification?.StreamEnabled ? Table.LatestStreamArn : undefined;
      if (!arn) {
        const updated = await dynamodb.send(
          new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } }),
        );
        arn = updated.TableDescription?.LatestStreamArn;
      }
      if (!arn) throw new Error(`the local table ${TableName} has no stream`);
      streams[name] = arn;
    }
  }
  return streams;
}

/** Queues (each with its DLQ and redrive policy) and the bucket, in fauxqs. */
export function provisionQueuesAndBucket(fauxqs: FauxqsServer, resources: Resources, prefix: string, region: string) {
  const names = localNames(prefix);
  const queues: Record<string, { url: string; arn: string }> = {};
  for (const [name, queue] of Object.entries(resources.queues)) {
    const dlq = fauxqs.createQueue(names.deadLetterQueue(name), {
      region,
      attributes: { MessageRetentionPeriod: String(14 * 86400) },
    });
    const created = fauxqs.createQueue(names.queue(name), {
      region,
      attributes: {
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(queue.retentionSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: queue.maxReceiveCount }),
      },
    });
    queues[name] = { url: created.queueUrl, arn: created.queueArn };
  }
  if (resources.bucket) fauxqs.createBucket(names.bucket(resources.bucket.name));
  return { queues };
}
