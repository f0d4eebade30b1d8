import { Hash } from '@smithy/hash-node';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local mode's S3 endpoint: a front on fauxqs that makes it as strict as S3 where fauxqs is
 * lenient. fauxqs checks no signature, no expiry and no checksum, so without this a test
 * of a tampered, expired or corrupted upload would pass locally and fail in AWS.
 *
 * - A presigned request (`X-Amz-Signature` in the query) is signed again here with the
 *   SDK's own S3 presigner and the local credentials, from its method, path, query and the
 *   headers it names as signed: another signature is 403 SignatureDoesNotMatch, a URL past
 *   `X-Amz-Date + X-Amz-Expires` is 403 AccessDenied "Request has expired".
 * - When `x-amz-checksum-sha256` is a signed header, the body is hashed and a mismatch is
 *   400 BadDigest, as S3 answers it; nothing reaches fauxqs.
 * - `If-None-Match: *` on PutObject and CompleteMultipartUpload, which fauxqs ignores, is
 *   412 PreconditionFailed when the key already holds an object.
 * - A presigned GET's `response-content-disposition` (and the other `response-*`
 *   overrides) sets the answer's header, as S3 does.
 *
 * Everything else (the SDK's own header-signed calls) goes to fauxqs untouched.
 */
export interface S3PresignCheck {
  url: string;
  stop(): Promise<void>;
}

export interface S3PresignCheckOptions {
  /** fauxqs's address. */
  target: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The clock expiry is judged by (tests move it). */
  now?: () => number;
}

/** SigV4 allows presigned URLs of at most 7 days. */
const maxExpiresSeconds = 7 * 24 * 3600;

interface Refusal {
  status: number;
  code: string;
  message: string;
}

const refusals = {
  mismatch: { status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' },
  expired: { status: 403, code: 'AccessDenied', message: 'Request has expired' },
  notYetValid: { status: 403, code: 'AccessDenied', message: 'Request is not yet valid' },
  unknownKey: { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' },
  malformed: { status: 400, code: 'AuthorizationQueryParametersError', message: 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.' },
  badDigest: { status: 400, code: 'BadDigest', message: 'The SHA256 you specified did not match the calculated checksum.' },
  exists: { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' },
} satisfies Record<string, Refusal>;

export async function startS3PresignCheck(options: S3PresignCheckOptions): Promise<S3PresignCheck> {
  const now = options.now ?? Date.now;
  const target = new URL(options.target);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) answer(res, { status: 500, code: 'InternalError', message: `local S3 front: ${error.message}` });
      else res.destroy(error);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://front');
    let body: Buffer | undefined;
    // The body is read before any refusal: a client still sending would see a reset, not S3's answer.
    const refuse = async (refusal: Refusal) => {
      if (body === undefined) await bodyOf(req);
      answer(res, refusal);
    };
    if (url.searchParams.has('X-Amz-Signature')) {
      const refusal = await checkSignature(req, url, options.credentials, now());
      if (refusal) return refuse(refusal);
      const checksum = signedChecksum(req, url);
      if (checksum !== undefined) {
        body = await bodyOf(req);
        const actual = createHash('sha256').update(body).digest('base64');
        if (actual !== checksum) return refuse(refusals.badDigest);
      }
    }
    if (req.headers['if-none-match'] === '*' && isObjectWrite(req.method, url) && (await objectExists(url.pathname))) {
      return refuse(refusals.exists);
    }
    pass(req, res, body, url.searchParams.has('X-Amz-Signature') ? responseOverrides(req.method, url) : {});
  }

  /** HEAD of the key on fauxqs: whether an object is stored there. */
  function objectExists(path: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const head = forward({ host: target.hostname, port: target.port, method: 'HEAD', path }, (answered) => {
        answered.resume();
        resolve(answered.statusCode === 200);
      });
      head.on('error', reject);
      head.end();
    });
  }

  function pass(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, overrides: Record<string, string>) {
    const upstream = forward({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answered) => {
      const ok = (answered.statusCode ?? 502) < 300;
      res.writeHead(answered.statusCode ?? 502, ok ? { ...answered.headers, ...overrides } : answered.headers);
      answered.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) answer(res, { status: 502, code: 'InternalError', message: `local S3 front: fauxqs did not answer (${error.message})` });
      else res.destroy(error);
    });
    if (body !== undefined) upstream.end(body);
    else req.pipe(upstream);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Signs the request again as the presigner did and compares: a changed query, path, method
 * or signed header, or another key, gives another signature.
 */
export async function checkSignature(
  req: Pick<IncomingMessage, 'method' | 'headers'>,
  url: URL,
  credentials: { accessKeyId: string; secretAccessKey: string },
  now: number,
): Promise<Refusal | undefined> {
  const q = url.searchParams;
  const [algorithm, credential, amzDate, expiresText, signedText, signature] = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].map((name) => q.get(name));
  const scope = credential?.split('/') ?? [];
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate ?? '');
  const expires = Number(expiresText);
  if (algorithm !== 'AWS4-HMAC-SHA256' || scope.length !== 5 || !date || !signedText || !signature || !Number.isInteger(expires) || expires < 1 || expires > maxExpiresSeconds) {
    return refusals.malformed;
  }
  if (scope[0] !== credentials.accessKeyId) return refusals.unknownKey;
  const signingDate = new Date(Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!));
  if (now > signingDate.getTime() + expires * 1000) return refusals.expired;
  // S3 allows a clock 15 minutes ahead of its own.
  if (signingDate.getTime() > now + 15 * 60_000) return refusals.notYetValid;

  const signedNames = signedText.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = req.headers[name];
    // A header the signature covers must be sent: S3 cannot check what is not there.
    if (value === undefined) return refusals.mismatch;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(q.keys())) {
    if (name === 'X-Amz-Signature' || name === 'X-Amz-Content-Sha256') continue;
    const values = q.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  // Signed again by the presigner the product signs with (S3's: it carries the unsigned
  // payload in the query and leaves content-type unsigned, as it did when signing).
  const presigner = new S3RequestPresigner({ credentials, region: scope[2]!, service: scope[3]!, sha256: Hash.bind(null, 'sha256') });
  const signed = new Set(signedNames);
  const presigned = await presigner.presign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: 'front', path: url.pathname, query, headers },
    { signingDate, expiresIn: expires, signableHeaders: signed, unhoistableHeaders: signed },
  );
  const expected = Buffer.from(String(presigned.query?.['X-Amz-Signature'] ?? ''));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? undefined : refusals.mismatch;
}

/** The base64 SHA-256 the body must have: the `x-amz-checksum-sha256` header, if the signature covers it. */
function signedChecksum(req: IncomingMessage, url: URL): string | undefined {
  const signed = url.searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
  const value = req.headers['x-amz-checksum-sha256'];
  return signed.includes('x-amz-checksum-sha256') && typeof value === 'string' ? value : undefined;
}

/**
 * A signed GetObject's `response-content-disposition` and friends set those headers of the
 * answer (S3 honours them on signed requests only); fauxqs ignores them.
 */
function responseOverrides(method: string | undefined, url: URL): Record<string, string> {
  if (method !== 'GET' && method !== 'HEAD') return {};
  const overrides: Record<string, string> = {};
  for (const header of ['content-type', 'content-disposition', 'content-language', 'content-encoding', 'cache-control', 'expires']) {
    const value = url.searchParams.get(`response-${header}`);
    if (value !== null) overrides[header] = value;
  }
  return overrides;
}

/** PutObject (no `uploadId`) and CompleteMultipartUpload (POST with `uploadId`). */
function isObjectWrite(method: string | undefined, url: URL): boolean {
  const objectPath = url.pathname.split('/').filter(Boolean).length >= 2;
  if (!objectPath) return false;
  if (method === 'PUT') return !url.searchParams.has('uploadId');
  return method === 'POST' && url.searchParams.has('uploadId');
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, refusal: Refusal) {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  res.writeHead(refusal.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message><RequestId>${requestId}</RequestId></Error>`);
}
