import type { JunctionClient } from './index.ts';
import type { components } from './schema.ts';

export type Upload = components['schemas']['Upload'];

/** A file on disk (Node), or bytes already in memory (a Blob or File in a browser, a Buffer). */
export type UploadSource = { path: string } | { data: Blob | Uint8Array; filename?: string };

export interface UploadProgress {
  uploadId: string;
  partsDone: number;
  partCount: number;
  bytesDone: number;
  size: number;
  /** Parts this call sent (not those a resumed session had already recorded). */
  partsSent: number;
}

export type UploadOptions = UploadSource & {
  /** `application/octet-stream` unless given. */
  contentType?: string;
  /** Short strings kept with the session (docs/uploads.md). */
  metadata?: Record<string, string>;
  /** Parts in flight at once; a file on disk is streamed, a part never held whole. */
  concurrency?: number;
  /** Aborting stops sending and rejects with the signal's reason; the session stays active, for `resumeId`. */
  signal?: AbortSignal;
  /** Called once the session is known, then after each part is recorded. */
  onProgress?: (progress: UploadProgress) => void;
  /** Go on with this session: only the parts it has not recorded are sent. */
  resumeId?: string;
  /** The fetch that PUTs parts to S3 (a proxy-aware one); the global fetch otherwise. */
  fetch?: typeof globalThis.fetch;
  /** Attempts per request on a network error, a 5xx or a 429, backing off 0.5 s, 1 s, 2 s… */
  attempts?: number;
};

/**
 * The file as a Blob, whose slices are the parts: a file on disk is Node's file-backed Blob
 * (`fs.openAsBlob`), so neither hashing a part nor sending it holds the part in memory;
 * both stream it from disk in small chunks. Reading whole parts into buffers instead made
 * the uploader's memory grow with its speed (glibc keeps freed multi-MiB blocks): 1.8 to
 * 3 GB for a 1 GiB file, against about 150 MB streamed (docs/benchmarks.md).
 */
interface PartSource {
  size: number;
  slice(offset: number, length: number): Blob | Uint8Array;
}

const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');
/** Web Crypto: in Node and browsers alike, for bytes in memory. */
const sha256Hex = async (bytes: Uint8Array) => hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));

/** Node's incremental hash, where there is one (not in a browser, whose Web Crypto hashes whole buffers only). */
const nodeCrypto = async () => (typeof process === 'object' && process.versions?.node ? await import('node:crypto') : undefined);

/** A part's SHA-256 in hex: streamed in chunks in Node, read whole in a browser. */
async function sha256Of(body: Blob | Uint8Array, signal?: AbortSignal): Promise<string> {
  if (body instanceof Uint8Array) return sha256Hex(body);
  const node = await nodeCrypto();
  if (!node) return sha256Hex(new Uint8Array(await body.arrayBuffer()));
  const hash = node.createHash('sha256');
  for await (const chunk of body.stream() as unknown as AsyncIterable<Uint8Array>) {
    signal?.throwIfAborted();
    hash.update(chunk);
  }
  return hash.digest('hex');
}

/** A request the API or S3 refused for good; `status` is its HTTP status. */
export class UploadError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'UploadError';
    this.status = status;
  }
}

/**
 * Uploads a file straight to the uploads bucket in parallel parts (docs/uploads.md):
 * create (or resume) the session, then per part hash its bytes (streamed from disk), ask for
 * its URL (which the server binds to that SHA-256), PUT, record; then complete, waiting
 * out a `completing` verification. Resolves with the session, `completed`.
 */
export async function uploadFile(client: JunctionClient, options: UploadOptions): Promise<Upload> {
  const { signal, concurrency = 4, onProgress, attempts = 5 } = options;
  const put = options.fetch ?? globalThis.fetch;
  const reader = await openSource(options);
  let session = options.resumeId ? await getUpload(client, options.resumeId, attempts, signal) : await createUpload(client, options, reader, signal);
  if (session.size !== reader.size) throw new UploadError(`the session is for ${session.size} bytes, the file has ${reader.size}`);
  if (session.status === 'active') {
    const recorded = new Set(session.parts.filter((part) => part.size === plannedSize(session, part.number)).map((part) => part.number));
    const todo = Array.from({ length: session.partCount }, (_, i) => i + 1).filter((number) => !recorded.has(number));
    let partsSent = 0;
    const report = (latest: Upload) => onProgress?.({ uploadId: latest.id, partsDone: latest.partsDone, partCount: latest.partCount, bytesDone: latest.bytesDone, size: latest.size, partsSent });
    report(session);
    const presign = batchedPresign(client, session.id, attempts, signal);
    const sendPart = async (number: number) => {
      const bytes = reader.slice((number - 1) * session.partSize, plannedSize(session, number));
      const sha256 = await sha256Of(bytes, signal);
      const part = await presign({ number, sha256 });
      const sent = await retrying(attempts, signal, () => put(part.url, { method: 'PUT', headers: part.headers, body: bytes as Blob | Uint8Array<ArrayBuffer>, signal }));
      if (!sent.ok) throw new UploadError(`part ${number}: S3 answered ${sent.status}: ${await sent.text()}`, sent.status);
      const etag = sent.headers.get('etag');
      if (!etag) throw new UploadError(`part ${number}: S3 answered no ETag (is it exposed by the bucket's CORS?)`);
      const latest = await answer(
        `recording part ${number}`,
        await retrying(attempts, signal, () =>
          client.PUT('/v1/uploads/{id}/parts/{partNumber}', { params: { path: { id: session.id, partNumber: String(number) } }, body: { etag, size: bytes instanceof Blob ? bytes.size : bytes.length, sha256 }, signal }),
        ),
      );
      partsSent += 1;
      // Concurrent records answer out of order: keep the answer that counts the most parts.
      if (latest.partsDone >= session.partsDone) session = latest;
      report(session);
    };
    await runPool(todo, concurrency, signal, sendPart);
    // Complete answers 200 (done) or 202 (`completing`, the worker verifies): both carry the session.
    session = await answer(`completing ${session.id}`, await retrying(attempts, signal, () => client.POST('/v1/uploads/{id}/complete', { params: { path: { id: session.id } }, signal })));
  }
  while (session.status === 'completing') {
    await pause(500, signal);
    session = await getUpload(client, session.id, attempts, signal);
  }
  if (session.status !== 'completed') throw new UploadError(`upload ${session.id} ended ${session.status}${session.failure ? `: ${session.failure}` : ''}`);
  return session;
}

/** Cancels a session: S3's multipart upload is aborted and whatever was stored deleted. */
export async function cancelUpload(client: JunctionClient, id: string): Promise<Upload> {
  return answer(`cancelling ${id}`, await client.DELETE('/v1/uploads/{id}', { params: { path: { id } } }));
}

function plannedSize(session: Upload, number: number) {
  return number < session.partCount ? session.partSize : session.size - session.partSize * (session.partCount - 1);
}

async function createUpload(client: JunctionClient, options: UploadOptions, reader: PartSource, signal?: AbortSignal): Promise<Upload> {
  // The whole file's SHA-256 goes into create, before any part is sent, so a file on disk
  // is hashed in one streaming pass first; bytes in memory are hashed where they are.
  const whole = reader.slice(0, reader.size);
  const sha256 = 'path' in options || whole instanceof Uint8Array || (await nodeCrypto()) ? await sha256Of(whole, signal) : undefined;
  const filename = 'path' in options ? options.path.split(/[\\/]/).pop()! : (options.filename ?? (options.data instanceof Blob && 'name' in options.data ? String(options.data.name) : 'upload.bin'));
  return answer(
    'creating the upload',
    await client.POST('/v1/uploads', {
      body: { filename, size: reader.size, contentType: options.contentType ?? 'application/octet-stream', partChecksums: true, metadata: options.metadata ?? {}, ...(sha256 ? { sha256 } : {}) },
      signal,
    }),
  );
}

/** A read, retried like every request but create: a dropped keep-alive connection must not fail an upload that is nearly done. */
async function getUpload(client: JunctionClient, id: string, attempts: number, signal?: AbortSignal) {
  return answer(`reading ${id}`, await retrying(attempts, signal, () => client.GET('/v1/uploads/{id}', { params: { path: { id } }, signal })));
}

/** openapi-fetch answers `{ data }` or `{ error }`: the data, or an error naming the problem. */
async function answer<T>(what: string, result: { data?: T; error?: unknown; response: Response }): Promise<T> {
  if (result.data !== undefined) return result.data;
  const problem = result.error as { title?: string; detail?: string } | undefined;
  throw new UploadError(`${what}: ${result.response.status} ${problem?.detail ?? problem?.title ?? ''}`.trim(), result.response.status);
}

/**
 * Part URLs are asked for once the part is read and hashed (the server signs the SHA-256
 * into it), so a URL never waits in a queue long enough to expire (15 minutes). Parts
 * that ask while a call is out go together in the next one, at most 100 a call.
 */
function batchedPresign(client: JunctionClient, id: string, attempts: number, signal?: AbortSignal) {
  type Wanted = { number: number; sha256: string; resolve: (part: { url: string; headers: Record<string, string> }) => void; reject: (error: unknown) => void };
  let waiting: Wanted[] = [];
  let busy = false;
  const flush = async () => {
    busy = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, 100);
      try {
        const { parts } = await answer(
          'presigning parts',
          await retrying(attempts, signal, () => client.POST('/v1/uploads/{id}/parts', { params: { path: { id } }, body: { parts: batch.map(({ number, sha256 }) => ({ number, sha256 })) }, signal })),
        );
        for (const wanted of batch) {
          const part = parts.find((candidate) => candidate.number === wanted.number);
          if (part) wanted.resolve(part);
          else wanted.reject(new UploadError(`no URL for part ${wanted.number}`));
        }
      } catch (error) {
        for (const wanted of batch) wanted.reject(error);
      }
    }
    busy = false;
  };
  return (part: { number: number; sha256: string }) =>
    new Promise<{ url: string; headers: Record<string, string> }>((resolve, reject) => {
      waiting.push({ ...part, resolve, reject });
      if (!busy) void flush();
    });
}

/** Runs `work` over `items`, `concurrency` at a time; the first failure (or an abort) stops taking new items. */
async function runPool<T>(items: T[], concurrency: number, signal: AbortSignal | undefined, work: (item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      signal?.throwIfAborted();
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  signal?.throwIfAborted();
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * Retries on what may pass: a network error, a 5xx, a 429 (waiting its Retry-After when
 * longer). A 4xx is an answer (a refused checksum, an expired URL): retrying changes nothing.
 * An abort is never retried.
 */
async function retrying<R extends Response | { response: Response }>(attempts: number, signal: AbortSignal | undefined, send: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    let answered: R | undefined;
    try {
      answered = await send();
    } catch (error) {
      if (signal?.aborted || attempt >= attempts) throw error;
    }
    const response = answered === undefined ? undefined : answered instanceof Response ? answered : answered.response;
    if (answered !== undefined && (attempt >= attempts || !(response!.status >= 500 || response!.status === 429))) return answered;
    const retryAfter = Number(response?.headers.get('retry-after')) * 1000 || 0;
    const backoff = 500 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
    // An unread body would hold its connection until collected.
    if (response?.body && !response.bodyUsed && !response.body.locked) await response.body.cancel();
    await pause(Math.max(backoff, retryAfter), signal);
  }
}

function pause(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}

async function openSource(options: UploadOptions): Promise<PartSource> {
  if ('data' in options) {
    const { data } = options;
    return data instanceof Blob
      ? { size: data.size, slice: (offset, length) => data.slice(offset, offset + length) }
      : { size: data.byteLength, slice: (offset, length) => data.subarray(offset, offset + length) };
  }
  // Loaded only for a path, so the module stays usable in a browser bundle. Reading a slice
  // of a file changed since fails (NotReadableError), so a file that changes mid-upload
  // stops it rather than sending a mix.
  const { openAsBlob } = await import('node:fs');
  const file = await openAsBlob(options.path);
  return { size: file.size, slice: (offset, length) => file.slice(offset, offset + length) };
}
