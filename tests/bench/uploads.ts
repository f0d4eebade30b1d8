import { DeleteObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { LocalRuntime } from '../../infra/local/runtime';
import { createJunction, uploadFile } from '../../sdk/src/index';
import { canPin, peakRssMb, root, type Driver } from './measure';

/**
 * The `uploads` section's measurements (run.ts turns them into rows):
 *
 * - presigning: `POST /v1/uploads/{id}/parts` for 100 parts, each with its SHA-256, sent by
 *   the load driver (core 1) through the local gateway, beside 100 bare SigV4 query
 *   signings (`SignatureV4.presign` from @smithy/signature-v4) of the same UploadPart URL,
 *   in this process on the gateway's core, and 100 `getSignedUrl` calls as the service makes
 *   them (same client settings, same signed headers); rounds in turn, after one to warm up;
 * - a 1 GiB file of random bytes on disk (written streamed to a temp dir): the SDK's
 *   `uploadFile` with its defaults (4 parts in flight; whole-file SHA-256 first, part
 *   checksums, the worker verifies on complete as the product does above 64 MiB) beside
 *   the same file as PutObjects (`putObjectBytes`), streamed one at a time, to the same local S3 front, each in a
 *   process of its own (this file run as a script) on the load driver's core, which reports
 *   its time and peak RSS (`peakRssMb`: Linux's VmHWM, see measure.ts); rounds in alternating order.
 */
export interface UploadBench {
  runtime: LocalRuntime;
  driver: Driver;
  origin: string;
  auth: Record<string, string>;
  call: (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;
}

const MiB = 1024 * 1024;
export const partsPerCall = 100;
/** Calls (or batches of 100 signings) a side per round, and rounds. */
export const presignPerRound = 10;
export const presignRounds = 5;
export const fileBytes = 1024 * MiB;
export const uploadRounds = 2;
/**
 * fauxqs, the local S3, refuses a body over 11 MiB (413: its server's body limit), so one
 * PutObject of the whole GiB cannot be made locally. The baseline is the same bytes as
 * PutObjects of 10 MiB, one at a time: a single PutObject stream's rate on this S3.
 */
export const putObjectBytes = 10 * MiB;
/** The uploader's memory budget for the 1 GiB file. */
export const rssBudgetMb = 200;

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const hex = () => randomBytes(32).toString('hex');

export interface PresignFigures {
  /** Milliseconds a call (100 URLs) through the gateway, as the driver saw it. */
  api: number[];
  /** Milliseconds per 100 bare SigV4 presigns, and per 100 getSignedUrl calls. */
  bare: number[];
  getSignedUrl: number[];
}

export async function measurePresign({ runtime, driver, origin, auth, call }: UploadBench): Promise<PresignFigures> {
  const created = await call('/v1/uploads', {
    method: 'POST',
    json: { filename: 'presign.bin', size: partsPerCall * 5 * MiB, contentType: 'application/octet-stream', partChecksums: true },
  });
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${await created.text()}`);
  const session = (await created.json()) as { id: string; key: string; partSize: number };
  const parts = Array.from({ length: partsPerCall }, (_, i) => ({ number: i + 1, sha256: hex() }));
  const body = JSON.stringify({ parts });
  const path = `/v1/uploads/${session.id}/parts`;
  const first = await call(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  const answered = (await first.json()) as { parts?: Array<{ url: string }> };
  if (first.status !== 200 || answered.parts?.length !== partsPerCall) throw new Error(`presigning answered ${first.status}: ${JSON.stringify(answered).slice(0, 300)}`);
  // The same URL the service signs: its query (uploadId, partNumber) and signed headers.
  const signedUrl = new URL(answered.parts[0]!.url);
  const uploadId = signedUrl.searchParams.get('uploadId')!;

  const endpoint = runtime.env.AWS_ENDPOINT_URL_S3!;
  const bucket = runtime.env.UPLOADS_BUCKET_NAME!;
  const front = new URL(endpoint);
  const signer = new SignatureV4({ credentials, region, service: 's3', sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false });
  const bare = async () => {
    const start = performance.now();
    for (const part of parts) {
      const sha256 = Buffer.from(part.sha256, 'hex').toString('base64');
      const signed = new Set(['content-length', 'x-amz-checksum-sha256']);
      await signer.presign(
        {
          method: 'PUT',
          protocol: front.protocol,
          hostname: front.hostname,
          port: Number(front.port),
          path: `/${bucket}/${session.key}`,
          query: { 'x-id': 'UploadPart', partNumber: String(part.number), uploadId },
          headers: { host: front.host, 'content-length': String(session.partSize), 'x-amz-checksum-sha256': sha256 },
        },
        { expiresIn: 900, signableHeaders: signed, unhoistableHeaders: signed },
      );
    }
    return performance.now() - start;
  };
  const s3 = new S3Client({ endpoint, region, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const sdk = async () => {
    const start = performance.now();
    for (const part of parts) {
      const sha256 = Buffer.from(part.sha256, 'hex').toString('base64');
      const command = new UploadPartCommand({ Bucket: bucket, Key: session.key, UploadId: uploadId, PartNumber: part.number, ContentLength: session.partSize, ChecksumSHA256: sha256 });
      const signed = new Set(['content-length', 'x-amz-checksum-sha256']);
      await getSignedUrl(s3, command, { expiresIn: 900, signableHeaders: signed, unhoistableHeaders: signed });
    }
    return performance.now() - start;
  };
  const api = async () =>
    (await driver.run<{ samples: number[] }>({ kind: 'http', origin, path, method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body, n: presignPerRound })).samples;
  const repeat = async (run: () => Promise<number>) => {
    const samples: number[] = [];
    for (let i = 0; i < presignPerRound; i++) samples.push(await run());
    return samples;
  };
  const figures: PresignFigures = { api: [], bare: [], getSignedUrl: [] };
  for (let round = -1; round < presignRounds; round++) {
    const [a, b, g] = [await api(), await repeat(bare), await repeat(sdk)];
    if (round < 0) continue;
    figures.api.push(...a);
    figures.bare.push(...b);
    figures.getSignedUrl.push(...g);
  }
  s3.destroy();
  await call(`/v1/uploads/${session.id}`, { method: 'DELETE' });
  return figures;
}

export interface SdkUploadFigures {
  seconds: number;
  /** From the start to the session created: the whole-file SHA-256 pass, then create. */
  createdSeconds: number;
  /** From the start to the last part recorded. */
  partsSeconds: number;
  partCount: number;
  partSize: number;
  maxRssMb: number;
  loadedRssMb: number;
  id: string;
}

export interface PutFigures {
  seconds: number;
  objects: number;
  maxRssMb: number;
}

export interface UploadFigures {
  sdk: SdkUploadFigures[];
  put: PutFigures[];
}

/** Writes `bytes` random bytes to a file, a MiB at a time (never the whole file in memory). */
async function randomFile(path: string, bytes: number) {
  async function* chunks() {
    for (let written = 0; written < bytes; written += MiB) yield randomBytes(Math.min(MiB, bytes - written));
  }
  await pipeline(Readable.from(chunks()), createWriteStream(path));
}

export async function measureUpload({ runtime, call }: UploadBench): Promise<UploadFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'junction-bench-upload-'));
  try {
    const path = join(dir, 'one-gib.bin');
    await randomFile(path, fileBytes);
    const endpoint = runtime.env.AWS_ENDPOINT_URL_S3!;
    const bucket = runtime.env.UPLOADS_BUCKET_NAME!;
    const s3 = new S3Client({ endpoint, region, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const figures: UploadFigures = { sdk: [], put: [] };
    const sdkRound = async () => {
      const result = await inChild<SdkUploadFigures>({ mode: 'sdk', path, url: runtime.url, apiKey: runtime.apiKey });
      figures.sdk.push(result);
      // Cancelling a completed upload deletes its object: the next round starts from an empty bucket.
      const cancelled = await call(`/v1/uploads/${result.id}`, { method: 'DELETE' });
      if (!cancelled.ok) throw new Error(`deleting ${result.id} answered ${cancelled.status}`);
    };
    const putRound = async (round: number) => {
      const key = `bench/put-${round}-${Date.now()}`;
      const put = await inChild<PutFigures>({ mode: 'put', path, endpoint, bucket, key });
      figures.put.push(put);
      for (let i = 0; i < put.objects; i++) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${key}/${i}` }));
    };
    for (let round = 0; round < uploadRounds; round++) {
      process.stderr.write(`uploads: 1 GiB, round ${round + 1} of ${uploadRounds}…\n`);
      if (round % 2 === 0) {
        await sdkRound();
        await putRound(round);
      } else {
        await putRound(round);
        await sdkRound();
      }
    }
    s3.destroy();
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const script = fileURLToPath(import.meta.url);

type ChildJob = { mode: 'sdk'; path: string; url: string; apiKey: string } | { mode: 'put'; path: string; endpoint: string; bucket: string; key: string };

/** This file run as a script, pinned to the load driver's core (1), reporting its figures on stdout. */
async function inChild<T>(job: ChildJob): Promise<T> {
  const command = [process.execPath, '--import', 'tsx', script, JSON.stringify(job)];
  const child = canPin
    ? spawn('taskset', ['-c', '1', ...command], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(command[0]!, command.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the ${job.mode} upload's process exited ${code}: ${output}`);
  return JSON.parse(output) as T;
}

if (process.argv[1] === script) {
  const job = JSON.parse(process.argv[2]!) as ChildJob;
  const loadedRssMb = process.memoryUsage.rss() / MiB;
  const start = performance.now();
  let result: SdkUploadFigures | PutFigures;
  if (job.mode === 'sdk') {
    let createdAt: number | undefined;
    let lastPartAt = 0;
    // Every failed request is named on stderr (the SDK retries it).
    const logged: typeof fetch = async (input, init) => {
      const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
      try {
        return await fetch(input, init);
      } catch (error) {
        const url = new URL(input instanceof Request ? input.url : String(input));
        process.stderr.write(`uploads: ${method} ${url.host}${url.pathname} failed: ${String((error as Error).cause ?? error)}\n`);
        throw error;
      }
    };
    const session = await uploadFile(createJunction({ url: job.url, apiKey: job.apiKey, fetch: logged }), {
      path: job.path,
      fetch: logged,
      onProgress: (progress) => {
        createdAt ??= performance.now();
        if (progress.partsDone === progress.partCount) lastPartAt = performance.now();
      },
    });
    result = {
      seconds: (performance.now() - start) / 1000,
      createdSeconds: ((createdAt ?? start) - start) / 1000,
      partsSeconds: (lastPartAt - start) / 1000,
      partCount: session.partCount,
      partSize: session.partSize,
      maxRssMb: peakRssMb(),
      loadedRssMb,
      id: session.id,
    };
  } else {
    const s3 = new S3Client({ endpoint: job.endpoint, region, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    // One stream at a time, each object streamed from the file at its offset.
    let objects = 0;
    for (let offset = 0; offset < fileBytes; offset += putObjectBytes, objects++) {
      const length = Math.min(putObjectBytes, fileBytes - offset);
      const Body = createReadStream(job.path, { start: offset, end: offset + length - 1, highWaterMark: MiB });
      await s3.send(new PutObjectCommand({ Bucket: job.bucket, Key: `${job.key}/${objects}`, Body, ContentLength: length }));
    }
    result = { seconds: (performance.now() - start) / 1000, maxRssMb: peakRssMb(), objects };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
