import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError, awsService, callJson, sign } from '../../../shared/platform/aws-request';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

/** The hash the SDK's signer wants, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined || typeof secret === 'string' ? secret : secret instanceof ArrayBuffer ? Buffer.from(secret) : Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
    this.hash = key ? createHmac('sha256', key) : createHash('sha256');
  }
  update(data: string | Uint8Array) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/** The same request signed by the SDK's own SigV4 implementation. */
async function sdkSignature(
  service: string,
  applyChecksum: boolean,
  request: { method: string; url: URL; headers: Record<string, string>; body: string },
  sessionToken?: string,
  at = new Date('2026-03-04T05:06:07Z'),
) {
  const signer = new SignatureV4({
    credentials: { ...credentials, ...(sessionToken ? { sessionToken } : {}) },
    region: 'eu-west-1',
    service,
    sha256: Sha256,
    applyChecksum,
    uriEscapePath: service !== 's3',
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      path: request.url.pathname,
      query: Object.fromEntries(request.url.searchParams),
      headers: { host: request.url.host, ...request.headers },
      body: request.body,
    },
    { signingDate: at },
  );
  return signed.headers.authorization;
}

describe('Signature Version 4', () => {
  it('matches the get-vanilla example of the AWS SigV4 test suite', () => {
    const headers = sign(
      { name: 'service', region: 'us-east-1' },
      credentials,
      'GET',
      new URL('https://example.amazonaws.com/'),
      {},
      '',
      new Date('2015-08-30T12:36:00Z'),
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs a DynamoDB call with a session token exactly as the SDK does', async () => {
    const request = {
      method: 'POST',
      url: new URL('https://dynamodb.eu-west-1.amazonaws.com/'),
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: JSON.stringify({ TableName: 't', Key: { pk: { S: 'TENANT#a b' } } }),
    };
    const ours = sign({ name: 'dynamodb', region: 'eu-west-1' }, { ...credentials, sessionToken: 'token/with+chars=' }, request.method, request.url, request.headers, request.body, new Date('2026-03-04T05:06:07Z'));
    expect(ours.authorization).toBe(await sdkSignature('dynamodb', false, request, 'token/with+chars='));
    expect(ours['x-amz-security-token']).toBe('token/with+chars=');
  });

  it('signs an S3 request with its payload hash and a query string exactly as the SDK does', async () => {
    const request = {
      method: 'HEAD',
      url: new URL('https://uploads.s3.eu-west-1.amazonaws.com/some%20key?versionId=a%2Fb&acl'),
      headers: {},
      body: '',
    };
    const ours = sign({ name: 's3', region: 'eu-west-1' }, credentials, request.method, request.url, request.headers, request.body, new Date('2026-03-04T05:06:07Z'));
    expect(ours.authorization).toBe(await sdkSignature('s3', true, request));
    expect(ours['x-amz-content-sha256']).toBe(createHash('sha256').update('').digest('hex'));
  });
});

describe('calls in the AWS JSON protocol', () => {
  let server: Server;
  let endpoint: string;
  let script: Array<{ status: number; body: unknown }> = [];
  const seen: Array<{ headers: IncomingMessage['headers']; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        const next = script.shift() ?? { status: 200, body: {} };
        res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(next.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    script = [];
    seen.length = 0;
  });

  const service = () => awsService('dynamodb', { endpoint, region: 'us-east-1', credentials: () => credentials });

  it('posts the input to the target, signed, and answers the parsed document', async () => {
    script = [{ status: 200, body: { Item: { pk: { S: 'a' } } } }];
    const out = await callJson(service(), 'DynamoDB_20120810.GetItem', { TableName: 't' });
    expect(out).toEqual({ Item: { pk: { S: 'a' } } });
    expect(seen[0]!.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(seen[0]!.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(seen[0]!.body)).toEqual({ TableName: 't' });
  });

  it('throws the service error named by its code, with the document’s other fields', async () => {
    script = [
      {
        status: 400,
        body: {
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          message: 'Transaction cancelled',
          CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
        },
      },
    ];
    const failure = callJson(service(), 'DynamoDB_20120810.TransactWriteItems', {});
    await expect(failure).rejects.toBeInstanceOf(AwsError);
    await expect(failure).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      message: 'Transaction cancelled',
      status: 400,
      details: { CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] },
    });
    expect(seen).toHaveLength(1);
  });

  it('retries throttling and 5xx answers, then succeeds', async () => {
    script = [
      { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } },
      { status: 503, body: { __type: 'ServiceUnavailable', message: 'busy' } },
      { status: 200, body: { ok: true } },
    ];
    await expect(callJson(service(), 'DynamoDB_20120810.PutItem', {})).resolves.toEqual({ ok: true });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a refusal such as a failed condition', async () => {
    script = [{ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed' } }];
    await expect(callJson(service(), 'DynamoDB_20120810.PutItem', {})).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(seen).toHaveLength(1);
  });

  it('gives up after three attempts and reports the last answer', async () => {
    script = [500, 500, 500, 200].map((status) => ({ status, body: { __type: 'InternalServerError', message: `status ${status}` } }));
    await expect(callJson(service(), 'DynamoDB_20120810.PutItem', {})).rejects.toMatchObject({ name: 'InternalServerError', status: 500 });
    expect(seen).toHaveLength(3);
  });

  it('reports an endpoint that does not answer as a networking error, without credentials in the message', async () => {
    const closed = awsService('dynamodb', { endpoint: 'http://127.0.0.1:1', region: 'us-east-1', credentials: () => credentials, maxAttempts: 1 });
    const failure = callJson(closed, 'DynamoDB_20120810.GetItem', {});
    await expect(failure).rejects.toMatchObject({ name: 'NetworkingError', status: 0 });
    await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining(credentials.secretAccessKey) });
  });

  it('refuses to start without a region', () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => awsService('kms')).toThrow('AWS_REGION is not set');
    } finally {
      Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)));
    }
  });
});
