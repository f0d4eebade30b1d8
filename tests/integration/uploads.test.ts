import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { uploadStore } from '../../shared/uploads/store';
import { localDynamoDb } from '../support/dynamodb';
import { startTestRuntime, type ApiResponse, type TestRuntime } from '../support/runtime';

/**
 * Upload sessions end to end: through the gateway to the functions, and with fetch to the
 * presigned URLs, which locally point at the S3 front (infra/local/s3-presign-check.ts)
 * that checks signatures, expiry and signed checksums as S3 does. Uploads over 1 MiB are
 * finished by the worker here (UPLOAD_INLINE_VERIFY_MAX_MIB), so both paths run.
 */
let runtime: TestRuntime;
let s3: S3Client;
const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  process.env.UPLOAD_INLINE_VERIFY_MAX_MIB = '1';
  runtime = await startTestRuntime();
  s3 = new S3Client({ endpoint: runtime.env.AWS_ENDPOINT_URL_S3, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  s3.destroy();
  await runtime.stop();
});

async function created(body: Record<string, unknown>): Promise<any> {
  const response = await runtime.call('/v1/uploads', { method: 'POST', json: { filename: 'report.bin', contentType: 'application/octet-stream', ...body } });
  expect(response.status).toBe(201);
  return response.json();
}

async function partUrls(id: string, parts: Array<{ number: number; sha256?: string }>): Promise<Array<{ number: number; url: string; headers: Record<string, string> }>> {
  const response = await runtime.call(`/v1/uploads/${id}/parts`, { method: 'POST', json: { parts } });
  expect(response.status).toBe(200);
  return (await response.json()).parts;
}

/** PUTs `bytes` where the part's URL says, with the headers it must carry. */
const put = (part: { url: string; headers: Record<string, string> }, bytes: Buffer, headers: Record<string, string> = {}) =>
  fetch(part.url, { method: 'PUT', headers: { ...part.headers, ...headers }, body: bytes });

/** Sends each part and records it: what a client does. */
async function sendParts(id: string, parts: Buffer[], withChecksums: boolean) {
  const urls = await partUrls(id, parts.map((bytes, i) => ({ number: i + 1, ...(withChecksums ? { sha256: sha256(bytes) } : {}) })));
  for (const [i, bytes] of parts.entries()) {
    const sent = await put(urls[i]!, bytes);
    expect(sent.status).toBe(200);
    const recorded = await runtime.call(`/v1/uploads/${id}/parts/${i + 1}`, {
      method: 'PUT',
      json: { etag: sent.headers.get('etag'), size: bytes.length, ...(withChecksums ? { sha256: sha256(bytes) } : {}) },
    });
    expect(recorded.status).toBe(200);
  }
}

const complete = (id: string) => runtime.call(`/v1/uploads/${id}/complete`, { method: 'POST' });
const objectAt = (key: string) => s3.send(new HeadObjectCommand({ Bucket: runtime.env.UPLOADS_BUCKET_NAME!, Key: key }));
const s3ErrorCode = async (response: Response) => /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];

async function settled(id: string): Promise<any> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const upload = await (await runtime.call(`/v1/uploads/${id}`)).json();
    if (upload.status !== 'completing' || Date.now() > deadline) return upload;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('an upload session', () => {
  it('plans max(5 MiB, size / 10,000) parts in whole MiB, under a key of its own whatever the filename', async () => {
    const upload = await created({ filename: '../x', size: 12 * MiB + 1 });
    expect(upload).toMatchObject({ filename: '../x', partSize: 5 * MiB, partCount: 3, status: 'active', key: `uploads/local/${upload.id}`, bytesDone: 0, parts: [] });
    expect(upload.key).not.toContain('..');
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('uploads a small file with part checksums, verifies its SHA-256, tells webhooks and downloads it', async () => {
    const bytes = randomBytes(1000);
    const upload = await created({ size: bytes.length, sha256: sha256(bytes), partChecksums: true, metadata: { source: 'test' } });
    await sendParts(upload.id, [bytes], true);
    const progress = await (await runtime.call(`/v1/uploads/${upload.id}`)).json();
    expect(progress).toMatchObject({ partsDone: 1, bytesDone: 1000, parts: [{ number: 1, size: 1000, sha256: sha256(bytes) }] });

    const completed = await complete(upload.id);
    expect(completed.status).toBe(200);
    expect(await completed.json()).toMatchObject({ status: 'completed', verified: true, expiresAt: null });
    const download = await (await runtime.call(`/v1/uploads/${upload.id}/download`)).json();
    const fetched = await fetch(download.url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(bytes);
    expect(fetched.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''report.bin`);
    const events = await (await runtime.call('/v1/events?type=upload.completed')).json();
    expect(events.data.map((event: { data: { id: string } }) => event.data.id)).toContain(upload.id);
  });

  it('signs a part\'s SHA-256 and its length as headers, not as query parameters', async () => {
    const upload = await created({ size: 10, partChecksums: true });
    const [part] = await partUrls(upload.id, [{ number: 1, sha256: sha256(Buffer.alloc(10)) }]);
    const url = new URL(part!.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual(expect.arrayContaining(['content-length', 'host', 'x-amz-checksum-sha256']));
    expect([...url.searchParams.keys()].filter((name) => /checksum|crc32/i.test(name))).toEqual([]);
    expect(part!.headers).toEqual({ 'content-length': '10', 'x-amz-checksum-sha256': createHash('sha256').update(Buffer.alloc(10)).digest('base64') });
    expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
  });

  it('refuses a part whose bytes are not those of its declared SHA-256', async () => {
    const upload = await created({ size: 10, partChecksums: true });
    const [part] = await partUrls(upload.id, [{ number: 1, sha256: sha256(Buffer.alloc(10, 1)) }]);
    const sent = await put(part!, Buffer.alloc(10, 2));
    expect(sent.status).toBe(400);
    expect(await s3ErrorCode(sent)).toBe('BadDigest');
  });

  it('refuses a part sent to a URL whose query was changed, or with a changed signed header', async () => {
    const upload = await created({ size: 6 * MiB });
    const [part] = await partUrls(upload.id, [{ number: 2 }]);
    const changed = new URL(part!.url);
    changed.searchParams.set('partNumber', '1');
    const moved = await fetch(changed, { method: 'PUT', headers: part!.headers, body: Buffer.alloc(MiB) });
    expect(moved.status).toBe(403);
    expect(await s3ErrorCode(moved)).toBe('SignatureDoesNotMatch');
    // Part 2 is 1 MiB: two more bytes change the signed content-length.
    const longer = await fetch(part!.url, { method: 'PUT', body: Buffer.alloc(MiB + 2) });
    expect(longer.status).toBe(403);
    expect(await s3ErrorCode(longer)).toBe('SignatureDoesNotMatch');
    const right = await put(part!, Buffer.alloc(MiB));
    expect(right.status).toBe(200);
  });

  it('refuses a part sent after its URL expired', async () => {
    const upload = await created({ size: 10 });
    const [part] = await partUrls(upload.id, [{ number: 1 }]);
    runtime.advance(15 * 60_000 + 1000);
    const late = await put(part!, Buffer.alloc(10)).finally(() => runtime.advance(-(15 * 60_000 + 1000)));
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('<Message>Request has expired</Message>');
    // The same URL before its expiry: it was the clock that refused it.
    expect((await put(part!, Buffer.alloc(10))).status).toBe(200);
  });

  it('ends failed, its object removed, when the stored bytes are not the declared SHA-256', async () => {
    const bytes = randomBytes(100);
    const upload = await created({ size: 100, sha256: sha256(Buffer.alloc(100)) });
    await sendParts(upload.id, [bytes], false);
    const answered = await complete(upload.id);
    expect(answered.status).toBe(200);
    const failed = await answered.json();
    expect(failed).toMatchObject({ status: 'failed', verified: false });
    expect(failed.failure).toContain('SHA-256');
    await expect(objectAt(upload.key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    const events = await (await runtime.call('/v1/events?type=upload.failed')).json();
    expect(events.data.map((event: { data: { id: string } }) => event.data.id)).toContain(upload.id);
    expect((await runtime.call(`/v1/uploads/${upload.id}/download`)).status).toBe(409);
  });

  it('refuses to complete with a missing part, a part outside the plan or a part of the wrong size, and stores nothing', async () => {
    const upload = await created({ size: 5 * MiB + 10 });
    await sendParts(upload.id, [randomBytes(5 * MiB)], false);
    const missing = await complete(upload.id);
    expect(missing.status).toBe(409);
    expect((await missing.json()).detail).toContain('missing parts 2');

    const record = (number: number, size: number) => runtime.call(`/v1/uploads/${upload.id}/parts/${number}`, { method: 'PUT', json: { etag: '"0123456789abcdef"', size } });
    expect((await record(2, 11)).status).toBe(200);
    expect((await record(3, 10)).status).toBe(200);
    const wrong = await complete(upload.id);
    expect(wrong.status).toBe(409);
    const detail: string = (await wrong.json()).detail;
    expect(detail).toContain('parts outside the plan of 2 3');
    expect(detail).toContain('parts of the wrong size 2 (11 bytes, planned 10)');
    expect(detail).not.toContain('missing');
    expect((await (await runtime.call(`/v1/uploads/${upload.id}`)).json()).status).toBe('active');
    await expect(objectAt(upload.key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('completes a 0-byte file, with no parts, and verifies the SHA-256 of nothing', async () => {
    const upload = await created({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(upload).toMatchObject({ partCount: 0, parts: [] });
    const answered = await complete(upload.id);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({ status: 'completed', verified: true });
    expect((await objectAt(upload.key)).ContentLength).toBe(0);
  });

  it('completes a file of exactly one part size through the worker, verified', async () => {
    const bytes = randomBytes(5 * MiB);
    const upload = await created({ size: bytes.length, sha256: sha256(bytes), partChecksums: true });
    expect(upload).toMatchObject({ partSize: 5 * MiB, partCount: 1 });
    await sendParts(upload.id, [bytes], true);
    const answered = await complete(upload.id);
    expect(answered.status).toBe(202);
    expect((await answered.json()).status).toBe('completing');
    expect(await settled(upload.id)).toMatchObject({ status: 'completed', verified: true, bytesDone: 5 * MiB });
    expect((await objectAt(upload.key)).ContentLength).toBe(5 * MiB);
  });

  it('is cancelled: its multipart upload aborted, so its URLs store nothing more', async () => {
    const upload = await created({ size: 10 });
    const [part] = await partUrls(upload.id, [{ number: 1 }]);
    const cancelled = await runtime.call(`/v1/uploads/${upload.id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect((await cancelled.json()).status).toBe('cancelled');
    const late = await put(part!, Buffer.alloc(10));
    expect(late.status).toBe(404);
    expect(await s3ErrorCode(late)).toBe('NoSuchUpload');
    expect((await runtime.call(`/v1/uploads/${upload.id}/parts`, { method: 'POST', json: { parts: [{ number: 1 }] } })).status).toBe(409);
  });

  it('deletes a completed upload\'s object when it is cancelled', async () => {
    const upload = await created({ size: 0 });
    expect((await complete(upload.id)).status).toBe(200);
    expect((await runtime.call(`/v1/uploads/${upload.id}`, { method: 'DELETE' })).status).toBe(200);
    await expect(objectAt(upload.key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('answers 410 once expired, and the sweep marks it expired and aborts its upload', async () => {
    const upload = await created({ size: 10 });
    const [part] = await partUrls(upload.id, [{ number: 1 }]);
    // Its expiry moved into the past, by the store (the only writer of sessions).
    const store = uploadStore({ db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! });
    expect(await store.transition('local', upload.id, { from: ['active'], set: { expiry: new Date(Date.now() - 1000).toISOString() } }, [])).toBe(true);
    expect((await (await runtime.call(`/v1/uploads/${upload.id}`)).json()).status).toBe('expired');
    for (const response of [
      await runtime.call(`/v1/uploads/${upload.id}/parts`, { method: 'POST', json: { parts: [{ number: 1 }] } }),
      await runtime.call(`/v1/uploads/${upload.id}/parts/1`, { method: 'PUT', json: { etag: '"x"', size: 10 } }),
      await complete(upload.id),
      await runtime.call(`/v1/uploads/${upload.id}/extend`, { method: 'POST' }),
    ]) {
      expect(response.status).toBe(410);
    }
    await runtime.functions.invoke('expireUploads', {});
    expect((await store.get('local', upload.id))!.status).toBe('expired');
    const late = await put(part!, Buffer.alloc(10));
    expect(await s3ErrorCode(late)).toBe('NoSuchUpload');
    const listed = await (await runtime.call('/v1/uploads?status=expired')).json();
    expect(listed.data.map((item: { id: string }) => item.id)).toContain(upload.id);
  });

  it('extends its expiry by a day', async () => {
    const upload = await created({ size: 10 });
    const extended = await runtime.call(`/v1/uploads/${upload.id}/extend`, { method: 'POST' });
    expect(extended.status).toBe(200);
    expect(Date.parse((await extended.json()).expiresAt)).toBeGreaterThan(Date.parse(upload.expiresAt));
  });

  it('is not found with another tenant\'s key', async () => {
    const upload = await created({ size: 10 });
    const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
    await createTenant(store, 'Other', 'other-uploads');
    const key = (await createApiKey(store, operatorAudit('other-uploads', 'test', 'api_key.create'), { name: 'other', scopes: ['read', 'write'] })).secret;
    const answers: ApiResponse[] = [
      await runtime.call(`/v1/uploads/${upload.id}`, { key }),
      await runtime.call(`/v1/uploads/${upload.id}/parts`, { key, method: 'POST', json: { parts: [{ number: 1 }] } }),
      await runtime.call(`/v1/uploads/${upload.id}/complete`, { key, method: 'POST' }),
      await runtime.call(`/v1/uploads/${upload.id}`, { key, method: 'DELETE' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404]);
    expect((await (await runtime.call(`/v1/uploads/${upload.id}`)).json()).status).toBe('active');
  });

  it('refuses a content type outside the allow-list, and part numbers outside the plan', async () => {
    const refused = await runtime.call('/v1/uploads', { method: 'POST', json: { filename: 'a', size: 1, contentType: 'multipart/form-data' } });
    expect(refused.status).toBe(400);
    expect((await refused.json()).errors).toEqual([{ field: 'body.contentType', message: 'not an allowed content type' }]);
    const upload = await created({ size: 10 });
    const outside = await runtime.call(`/v1/uploads/${upload.id}/parts`, { method: 'POST', json: { parts: [{ number: 2 }] } });
    expect(outside.status).toBe(400);
  });

  it('holds each tenant to its open sessions and bytes in one transaction with the session', async () => {
    const store = uploadStore({ db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! });
    const tenantId = `quota-${randomBytes(3).toString('hex')}`;
    const at = new Date().toISOString();
    const session = (id: string, size: number) => ({
      tenantId, id, filename: 'f', size, contentType: 'text/plain', sha256: null, partChecksums: false, metadata: {}, key: `uploads/${tenantId}/${id}`,
      uploadId: 'u', partSize: 5 * MiB, partCount: 1, status: 'active' as const, verified: false, failure: null, createdAt: at, updatedAt: at, expiry: new Date(Date.now() + 3_600_000).toISOString(), completedAt: null,
    });
    const limits = { openSessions: 2, bytes: 100 };
    expect(await Promise.all([store.create(session('upl_a', 40), limits, []), store.create(session('upl_b', 40), limits, [])])).toEqual(['created', 'created']);
    expect(await store.create(session('upl_c', 1), limits, [])).toBe('too-many-sessions');
    expect(await store.transition(tenantId, 'upl_a', { from: ['active'], set: { status: 'cancelled' }, quota: { sessions: -1, bytes: -40 } }, [])).toBe(true);
    expect(await store.create(session('upl_d', 61), limits, [])).toBe('too-many-bytes');
    expect(await store.create(session('upl_e', 60), limits, [])).toBe('created');
  });
});
