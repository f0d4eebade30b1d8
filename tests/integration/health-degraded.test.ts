import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { captureOutput, startTestRuntime, type ApiResponse, type TestRuntime } from '../support/runtime';
import { keyProblem, runChecks, tableProblem } from '../../shared/platform/health';

/**
 * DynamoDB Local cannot put a table in INACCESSIBLE_ENCRYPTION_CREDENTIALS nor refuse
 * access, so the functions' DynamoDB endpoint is pointed at a stand-in that answers
 * DescribeTable as AWS does then, over DynamoDB's wire format.
 */
const accessDenied =
  'User: arn:aws:sts::123456789012:assumed-role/junction-HealthFunctionRole-1A2B3C/junction-health ' +
  'is not authorized to perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:123456789012:table/';

async function startDescribeTableServer(answers: Record<string, 'INACCESSIBLE_ENCRYPTION_CREDENTIALS' | 'AccessDenied'>) {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const table = String((JSON.parse(body || '{}') as { TableName?: string }).TableName);
      const reply = (status: number, document: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(document));
      };
      if (req.headers['x-amz-target'] !== 'DynamoDB_20120810.DescribeTable') {
        return reply(400, { __type: 'com.amazon.coral.service#UnknownOperationException' });
      }
      if (answers[table] === 'INACCESSIBLE_ENCRYPTION_CREDENTIALS') {
        return reply(200, { Table: { TableName: table, TableStatus: 'INACCESSIBLE_ENCRYPTION_CREDENTIALS' } });
      }
      return reply(400, { __type: 'com.amazon.coral.service#AccessDeniedException', message: accessDenied + table });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let runtime: TestRuntime;
let dynamodb: Awaited<ReturnType<typeof startDescribeTableServer>>;
let response: ApiResponse;
let text: string;
let output: string;
beforeAll(async () => {
  // The functions' DynamoDB endpoint is the stand-in's; the runtime itself uses DynamoDB Local.
  const answers: Record<string, 'INACCESSIBLE_ENCRYPTION_CREDENTIALS' | 'AccessDenied'> = {};
  dynamodb = await startDescribeTableServer(answers);
  runtime = await startTestRuntime({ functionEnv: { AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint } });
  const s3 = new S3Client({
    endpoint: runtime.env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await s3.send(new DeleteBucketCommand({ Bucket: runtime.env.UPLOADS_BUCKET_NAME }));
  s3.destroy();
  answers[runtime.env.MAIN_TABLE_NAME!] = 'INACCESSIBLE_ENCRYPTION_CREDENTIALS';
  answers[runtime.env.LIMITS_TABLE_NAME!] = 'AccessDenied';

  ({ output, result: response } = await runtime.logsDuring(() => runtime.call('/v1/health', { key: null })));
  text = await response.text();
});
afterAll(async () => {
  await dynamodb.stop();
  await runtime.stop();
});

it('answers 503 and names the dependency that is down', () => {
  expect(response.status).toBe(503);
  const health = JSON.parse(text);
  expect(health.status).toBe('degraded');
  expect(health.dependencies['bucket:uploads']).toMatchObject({ status: 'down', error: 'NotFound' });
  expect(health.dependencies['key'].status).toBe('up');
});

it('reports a table whose encryption key is inaccessible as down, with its status', () => {
  expect(JSON.parse(text).dependencies['table:main']).toMatchObject({
    status: 'down',
    error: 'INACCESSIBLE_ENCRYPTION_CREDENTIALS',
  });
});

it('names dependencies by their declared names, never their physical ones', () => {
  expect(Object.keys(JSON.parse(text).dependencies).sort()).toEqual(['bucket:uploads', 'key', 'table:limits', 'table:main', 'table:records']);
  for (const physical of [runtime.env.MAIN_TABLE_NAME!, runtime.env.LIMITS_TABLE_NAME!, runtime.env.UPLOADS_BUCKET_NAME!]) {
    expect(text).not.toContain(physical);
  }
});

it('reports a refused call by its error code, never its message', () => {
  expect(JSON.parse(text).dependencies['table:limits']).toMatchObject({ status: 'down', error: 'AccessDeniedException' });
  expect(text).not.toContain('123456789012');
  expect(text).not.toContain('arn:aws');
  expect(text).not.toContain('not authorized');
  expect(text).not.toContain('HeadBucket');
});

it('logs the full error of a failed check', () => {
  expect(output).toContain('health check failed');
  expect(output).toContain('is not authorized to perform: dynamodb:DescribeTable');
});

describe('the state a describe call reports', () => {
  it('is down for a key that is disabled or pending deletion, and up only when enabled', () => {
    expect(keyProblem({ KeyMetadata: { KeyState: 'Disabled' } })).toBe('Disabled');
    expect(keyProblem({ KeyMetadata: { KeyState: 'PendingDeletion' } })).toBe('PendingDeletion');
    expect(keyProblem({ KeyMetadata: { KeyState: 'Enabled' } })).toBeUndefined();
  });

  it('is down for a table being created, deleted or archived, up while it is active or updating', () => {
    for (const state of ['INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'CREATING', 'DELETING', 'ARCHIVING', 'ARCHIVED']) {
      expect(tableProblem({ Table: { TableStatus: state } })).toBe(state);
    }
    for (const state of ['ACTIVE', 'UPDATING']) {
      expect(tableProblem({ Table: { TableStatus: state } })).toBeUndefined();
    }
  });

  it('makes health degraded when the key is disabled, and logs the key\'s state', async () => {
    // Run in this process: its log line is captured here, not printed among the results.
    const { result: health, output } = await captureOutput(() =>
      runChecks({
        key: async () => keyProblem({ KeyMetadata: { KeyState: 'Disabled' } }),
        'table:main': async () => tableProblem({ Table: { TableStatus: 'ACTIVE' } }),
      }),
    );
    expect(output).toContain('"state":"Disabled"');
    expect(health.status).toBe('degraded');
    expect(health.dependencies).toMatchObject({
      key: { status: 'down', error: 'Disabled' },
      'table:main': { status: 'up' },
    });
  });
});
