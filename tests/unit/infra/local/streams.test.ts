import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import type { Declaration } from '../../../../infra/declaration';
import { waitFor } from '../../../../infra/local/ports';
import { localNames, provisionTables } from '../../../../infra/local/provision';
import { startStreamPollers, type RunningStreamPollers } from '../../../../infra/local/streams';

const endpoint = process.env.TEST_DYNAMODB_ENDPOINT!;
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const declaration: Declaration = {
  resources: {
    tables: { main: { partitionKey: 'pk', sortKey: 'sk', indexes: {}, stream: 'NEW_IMAGE' } },
    queues: {},
    bucket: null,
    key: { alias: 'test' },
  },
  api: { cors: { allowOrigins: [], allowMethods: [], allowHeaders: [], exposeHeaders: [], maxAgeSeconds: 0 }, maxBodyBytes: 1 },
  functions: {
    relay: { kind: 'stream', entry: 'unused.ts', table: 'main', sortKeyPrefix: 'EVENT#', batchSize: 10, retryAttempts: 3, access: {} },
  },
};

let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let table: string;
let streamArn: string;
let pollers: RunningStreamPollers | undefined;
/** Each invocation's event, and what the fake function answers for it. */
let invocations: DynamoDBStreamEvent[];
let answer: (event: DynamoDBStreamEvent) => DynamoDBBatchResponse | Promise<never>;

beforeEach(async () => {
  dynamodb = new DynamoDBClient({ endpoint, region, credentials });
  streams = new DynamoDBStreamsClient({ endpoint, region, credentials });
  const prefix = `s${randomBytes(4).toString('hex')}`;
  table = localNames(prefix).table('main');
  streamArn = (await provisionTables(dynamodb, declaration.resources, prefix)).main!;
  invocations = [];
  answer = () => ({ batchItemFailures: [] });
});
afterEach(async () => {
  await pollers?.stop();
  streams.destroy();
  dynamodb.destroy();
});

const start = async () => {
  pollers = await startStreamPollers({
    declaration,
    functions: {
      async invoke(_name, event) {
        invocations.push(event as DynamoDBStreamEvent);
        return answer(event as DynamoDBStreamEvent);
      },
    },
    streams,
    streamArn: () => streamArn,
    region,
    log: () => {},
  });
};
const put = (sk: string) =>
  dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'TENANT#t' }, sk: { S: sk }, n: { N: '1' }, data: { M: { empty: { M: {} }, none: { NULL: true } } } } }));
const handed = () => invocations.map((event) => event.Records.map((r) => r.dynamodb!.Keys!.sk!.S));

describe('the local DynamoDB Streams poller', () => {
  it('hands the function Lambda\'s event for inserts under the prefix written after it started, and nothing else', async () => {
    await put('EVENT#before');
    await start();
    await put('WHEP#not-an-event');
    await put('EVENT#1');
    await dynamodb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'TENANT#t' }, sk: { S: 'EVENT#1' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '2' } } }));
    await put('EVENT#2');

    await waitFor(async () => expect(handed().flat()).toEqual(['EVENT#1', 'EVENT#2']), { timeoutMs: 10_000, what: 'both events' });
    const record = invocations[0]!.Records[0]!;
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      awsRegion: region,
      eventID: expect.any(String),
      dynamodb: {
        NewImage: { pk: { S: 'TENANT#t' }, sk: { S: 'EVENT#1' }, n: { N: '1' }, data: { M: { empty: { M: {} }, none: { NULL: true } } } },
        SequenceNumber: expect.any(String),
        StreamViewType: 'NEW_IMAGE',
        ApproximateCreationDateTime: expect.any(Number),
      },
    });
  });

  it('retries the failed record and those after it, in order, but not those before it', async () => {
    let failedOnce = false;
    answer = (event) => {
      const second = event.Records.find((r) => r.dynamodb!.Keys!.sk!.S === 'EVENT#b');
      if (second && !failedOnce) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: second.dynamodb!.SequenceNumber! }] };
      }
      return { batchItemFailures: [] };
    };
    await start();
    for (const sk of ['EVENT#a', 'EVENT#b', 'EVENT#c']) await put(sk);

    const count = (sk: string) => handed().flat().filter((handedSk) => handedSk === sk).length;
    await waitFor(
      async () => {
        expect(count('EVENT#b')).toBe(2);
        expect(handed().flat().lastIndexOf('EVENT#c')).toBeGreaterThan(handed().flat().lastIndexOf('EVENT#b'));
      },
      { timeoutMs: 10_000, what: 'the retry of b, then c' },
    );
    // a succeeded at once and is not handed over again.
    expect(count('EVENT#a')).toBe(1);
  });

  it('retries a batch whose invocation throws, and gives it up after the declared retries', async () => {
    answer = () => Promise.reject(new Error('boom'));
    await start();
    await put('EVENT#poison');
    await waitFor(async () => expect(invocations).toHaveLength(1 + 3), { timeoutMs: 10_000, what: 'four tries' });
    answer = () => ({ batchItemFailures: [] });
    await put('EVENT#next');
    await waitFor(async () => expect(handed().at(-1)).toEqual(['EVENT#next']), { timeoutMs: 10_000, what: 'the next event' });
    expect(handed().flat().filter((sk) => sk === 'EVENT#poison')).toHaveLength(4);
  });
});
