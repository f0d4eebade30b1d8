import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * Signed requests to AWS service APIs: Signature Version 4, the services' JSON protocols,
 * retries with backoff, keep-alive connections.
 *
 * Functions call four AWS APIs, a handful of operations each (DynamoDB items, KMS data
 * keys, an SQS queue's attributes, an S3 bucket's existence). The SDK's generated clients
 * bring their whole middleware stack for that: the DynamoDB client alone was ~210 KiB of
 * each bundle and took ~100 ms to load in a fresh process (2.3× an empty handler's whole
 * start, measured here), more than Junction's own code. This file is what those few
 * calls need, and nothing else.
 *
 * Endpoints: `AWS_ENDPOINT_URL_<SERVICE>` (the SDK's own variables, set by the local
 * runtime) or the service's regional endpoint. Credentials: the environment, as Lambda
 * hands them to every function, unless a caller passes its own source (the admin
 * command passes the SDK's full provider chain).
 */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialSource = () => AwsCredentials | Promise<AwsCredentials>;

export interface AwsServiceOptions {
  region?: string;
  /** Overrides AWS_ENDPOINT_URL_<SERVICE> and the regional endpoint. */
  endpoint?: string;
  credentials?: CredentialSource;
  /** Attempts per call, the first included (the SDK's standard mode also makes 3). */
  maxAttempts?: number;
  /** One attempt's limit, connect to last byte. */
  timeoutMs?: number;
}

export interface AwsService {
  /** The name SigV4 signs with (`dynamodb`, `kms`, `sqs`, `s3`). */
  readonly name: string;
  readonly region: string;
  readonly endpoint: URL;
  readonly credentials: CredentialSource;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

export interface AwsHttpRequest {
  method: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface AwsHttpResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An error answered by an AWS service (its `name` is the service's error code) or a transport failure. */
export class AwsError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number,
    /** The error document's other fields (DynamoDB's `CancellationReasons`, …). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function awsService(name: string, options: AwsServiceOptions = {}): AwsService {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error(`the ${name} client cannot start: AWS_REGION is not set`);
  const endpoint = options.endpoint ?? process.env[`AWS_ENDPOINT_URL_${name.toUpperCase()}`] ?? process.env.AWS_ENDPOINT_URL;
  return {
    name,
    region,
    endpoint: new URL(endpoint ?? `https://${name}.${region}.amazonaws.com`),
    credentials: options.credentials ?? credentialsFromEnv,
    maxAttempts: options.maxAttempts ?? 3,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
}

/** Lambda's credentials: the function role's, in the environment (they rotate with the container). */
export function credentialsFromEnv(): AwsCredentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new AwsError('CredentialsMissing', 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set', 0);
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * One call in an AWS JSON protocol (DynamoDB and SQS speak 1.0, KMS 1.1): POST `input` to
 * `target`, answer the parsed document or throw its error as an `AwsError`.
 */
export async function callJson<T>(
  service: AwsService,
  target: string,
  input: unknown,
  version: '1.0' | '1.1' = '1.0',
): Promise<T> {
  const response = await send(service, {
    method: 'POST',
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target },
    body: JSON.stringify(input),
  });
  const document = parseDocument(response.body);
  if (response.status >= 300) throw errorOf(response, document);
  return document as T;
}

/**
 * Sends a signed request, retrying what AWS documents as safe to retry: throttling,
 * 5xx answers and connections that failed, with exponential backoff and full jitter.
 */
export async function send(service: AwsService, request: AwsHttpRequest): Promise<AwsHttpResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await sendOnce(service, request);
      if (!isRetryable(response) || attempt >= service.maxAttempts) return response;
    } catch (error) {
      if (attempt >= service.maxAttempts) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20_000, 100 * 2 ** attempt)));
  }
}

const throttlingCodes = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'SlowDown',
]);

function isRetryable(response: AwsHttpResponse): boolean {
  if (response.status >= 500 || response.status === 429) return true;
  return response.status === 400 && throttlingCodes.has(errorCodeOf(response, parseDocument(response.body)));
}

const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

async function sendOnce(service: AwsService, request: AwsHttpRequest): Promise<AwsHttpResponse> {
  const url = new URL(request.path ?? '/', service.endpoint);
  const body = request.body ?? '';
  const headers = sign(service, await service.credentials(), request.method, url, request.headers ?? {}, body);
  const protocol = url.protocol === 'http:' ? 'http:' : 'https:';
  const send = protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise<AwsHttpResponse>((resolve, reject) => {
    const outgoing = send(
      url,
      { method: request.method, headers, agent: agents[protocol], timeout: service.timeoutMs },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        incoming.on('error', (error) => reject(transportError(service, error)));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${service.timeoutMs} ms`)));
    outgoing.on('error', (error) => reject(transportError(service, error)));
    outgoing.end(body);
  });
}

function transportError(service: AwsService, error: Error): AwsError {
  return new AwsError('NetworkingError', `${service.name} could not be reached: ${error.message}`, 0);
}

function parseDocument(body: string): Record<string, unknown> {
  if (!body) return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` → `ConditionalCheckFailedException`. */
function errorCodeOf(response: AwsHttpResponse, document: Record<string, unknown>): string {
  const raw = String(document.__type ?? document.code ?? response.headers['x-amzn-errortype'] ?? '');
  return raw.split('#').pop()!.split(':')[0]!;
}

function errorOf(response: AwsHttpResponse, document: Record<string, unknown>): AwsError {
  const code = errorCodeOf(response, document) || (response.status >= 500 ? 'InternalServerError' : `Http${response.status}`);
  const { __type: _type, message, Message, ...details } = document;
  return new AwsError(code, String(message ?? Message ?? `HTTP ${response.status}`), response.status, details);
}

// ---- Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * The derived key depends only on the secret, the day, the region and the service: kept
 * per day, as a KeyObject (an HMAC keyed with a Buffer costs ~25 µs to set up, with a
 * KeyObject ~3 µs, measured here on Node 24).
 */
const signingKeys = new Map<string, KeyObject>();

function signingKey(secret: string, day: string, region: string, service: string): KeyObject {
  const id = `${secret}\n${day}\n${region}\n${service}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = createSecretKey(hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request'));
    if (signingKeys.size > 16) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function sign(
  service: Pick<AwsService, 'name' | 'region'>,
  credentials: AwsCredentials,
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: string,
  now = new Date(),
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(body);
  const signed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) signed[name.toLowerCase()] = value.trim();
  signed.host = url.host;
  signed['x-amz-date'] = amzDate;
  // S3 wants the payload hash as a signed header too.
  if (service.name === 's3') signed['x-amz-content-sha256'] = payloadHash;
  if (credentials.sessionToken) signed['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(signed).sort();
  const canonicalQuery = [...url.searchParams]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const canonicalPath = url.pathname
    .split('/')
    .map((segment) => encode(decodeURIComponent(segment)))
    .join('/');
  const canonical = [
    method,
    canonicalPath,
    canonicalQuery,
    names.map((name) => `${name}:${signed[name]}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${service.region}/${service.name}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, service.region, service.name))
    .update(toSign, 'utf8')
    .digest('hex');
  return {
    ...signed,
    'content-length': String(Buffer.byteLength(body)),
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
