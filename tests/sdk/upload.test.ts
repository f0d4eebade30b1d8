import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cancelUpload, createJunction, uploadFile, type JunctionClient, type UploadProgress } from '../../sdk/src/index';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The SDK's upload helper against the local runtime: parts go to the local S3 front,
 * which checks each part's signed SHA-256 as S3 does. Uploads over 1 MiB are finished by
 * the worker here (202 `completing`), so the helper's polling runs too.
 */
let runtime: TestRuntime;
let client: JunctionClient;
let dir: string;
const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  process.env.UPLOAD_INLINE_VERIFY_MAX_MIB = '1';
  runtime = await startTestRuntime();
  client = createJunction({ url: runtime.url, apiKey: runtime.apiKey });
  dir = await mkdtemp(join(tmpdir(), 'junction-upload-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await runtime.stop();
});

/**
 * A fetch that counts, per part number, the PUTs sent (`puts`) and those S3 accepted
 * (`stored`); `answer` may answer some itself. A network error on a reused connection is
 * retried, so "each part stored once" is what S3 accepted, not what was tried.
 */
function countingFetch(answer?: (partNumber: number, attempt: number) => Response | undefined) {
  const puts = new Map<number, number>();
  const stored = new Map<number, number>();
  const fetcher: typeof fetch = async (input, init) => {
    const partNumber = Number(new URL(String(input)).searchParams.get('partNumber'));
    const attempt = (puts.get(partNumber) ?? 0) + 1;
    puts.set(partNumber, attempt);
    const response = answer?.(partNumber, attempt) ?? (await fetch(input, init));
    if (response.ok) stored.set(partNumber, (stored.get(partNumber) ?? 0) + 1);
    return response;
  };
  return { fetcher, puts, stored };
}

async function file(name: string, bytes: Buffer) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function stored(id: string) {
  const download = await (await runtime.call(`/v1/uploads/${id}/download`)).json();
  return Buffer.from(await (await fetch(download.url)).arrayBuffer());
}

describe('uploadFile', () => {
  it('uploads a 12 MiB file in three parts, each stored once, and waits out the verification', async () => {
    const bytes = randomBytes(12 * MiB);
    const { fetcher, stored: accepted } = countingFetch();
    const upload = await uploadFile(client, { path: await file('twelve.bin', bytes), fetch: fetcher });
    expect(upload).toMatchObject({ filename: 'twelve.bin', status: 'completed', verified: true, partChecksums: true, sha256: sha256(bytes), partSize: 5 * MiB, partCount: 3, partsDone: 3 });
    expect(Object.fromEntries(accepted)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(sha256(await stored(upload.id))).toBe(sha256(bytes));
  });

  it('uploads a 0-byte file', async () => {
    const upload = await uploadFile(client, { path: await file('empty.txt', Buffer.alloc(0)), contentType: 'text/plain' });
    expect(upload).toMatchObject({ status: 'completed', verified: true, size: 0, partCount: 0, contentType: 'text/plain' });
    expect((await stored(upload.id)).length).toBe(0);
  });

  it('uploads bytes in memory of exactly one part size as one part', async () => {
    const bytes = randomBytes(5 * MiB);
    const upload = await uploadFile(client, { data: bytes, filename: 'one-part.bin' });
    expect(upload).toMatchObject({ filename: 'one-part.bin', status: 'completed', verified: true, partCount: 1, parts: [{ number: 1, size: 5 * MiB, sha256: sha256(bytes) }] });
    expect(sha256(await stored(upload.id))).toBe(sha256(bytes));
  });

  it('stops on abort with the session active, and a resume sends only the parts not recorded', async () => {
    const bytes = randomBytes(12 * MiB);
    const path = await file('resumed.bin', bytes);
    const { fetcher, puts, stored: accepted } = countingFetch();
    const controller = new AbortController();
    const seen: UploadProgress[] = [];
    const stopped = uploadFile(client, {
      path,
      concurrency: 1,
      fetch: fetcher,
      signal: controller.signal,
      onProgress: (progress) => {
        seen.push(progress);
        if (progress.partsDone === 1) controller.abort();
      },
    });
    await expect(stopped).rejects.toMatchObject({ name: 'AbortError' });
    const id = seen[0]!.uploadId;
    expect(await (await runtime.call(`/v1/uploads/${id}`)).json()).toMatchObject({ status: 'active', partsDone: 1 });
    expect([...puts.keys()]).toEqual([1]);

    const resumed = await uploadFile(client, { path, resumeId: id, fetch: fetcher, onProgress: (progress) => seen.push(progress) });
    expect(resumed).toMatchObject({ id, status: 'completed', verified: true });
    expect(Object.fromEntries(accepted)).toEqual({ 1: 1, 2: 1, 3: 1 });
    expect(puts.get(1)).toBe(1);
    expect(seen.at(-1)).toMatchObject({ partsDone: 3, partsSent: 2 });
    expect(sha256(await stored(id))).toBe(sha256(bytes));
  });

  it('retries a part S3 answered 503, and gives up at once on a 4xx', async () => {
    const bytes = randomBytes(1000);
    const flaky = countingFetch((_, attempt) => (attempt === 1 ? new Response('SlowDown', { status: 503 }) : undefined));
    expect(await uploadFile(client, { data: bytes, fetch: flaky.fetcher })).toMatchObject({ status: 'completed' });
    expect(Object.fromEntries(flaky.puts)).toEqual({ 1: 2 });

    const refusing = countingFetch(() => new Response('<Code>AccessDenied</Code>', { status: 403 }));
    await expect(uploadFile(client, { data: bytes, fetch: refusing.fetcher })).rejects.toMatchObject({ name: 'UploadError', status: 403 });
    expect(Object.fromEntries(refusing.puts)).toEqual({ 1: 1 });
  });

  it('refuses to resume a session with another file, and cancels one', async () => {
    const controller = new AbortController();
    let id = '';
    const stopped = uploadFile(client, { data: randomBytes(6 * MiB), signal: controller.signal, onProgress: (progress) => { id = progress.uploadId; controller.abort(); } });
    await expect(stopped).rejects.toMatchObject({ name: 'AbortError' });
    await expect(uploadFile(client, { data: randomBytes(10), resumeId: id })).rejects.toThrow(/session is for 6291456 bytes/);
    expect(await cancelUpload(client, id)).toMatchObject({ id, status: 'cancelled' });
  });
});
