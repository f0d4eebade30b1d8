import { tally } from '../metrics/tally';
import { eventPut } from '../events/store';
import { changeRecords, type Audit } from '../platform/audit';
import { Conflict, DomainError, Invalid, NotFound, problemType } from '../platform/errors';
import { newId } from '../platform/ids';
import type { UploadObjects } from './objects';
import { s3Limits, type Download, type PartInput, type PartUrls, type PartUrlsInput, type Upload, type UploadInput, type UploadListQuery, type UploadStatus, type UploadSummary } from './schema';
import { keepEndedSeconds, ttlOf, type PartItem, type UploadItem, type UploadStore } from './store';

/** What a deployment configures for uploads (cdk.json; docs/uploads.md). */
export interface UploadSettings {
  /** Allowed content types: `type/subtype`, `type/*` or `*\/*`. */
  contentTypes: string[];
  /** Per tenant: bytes of completed objects plus those reserved by open sessions. */
  quotaBytes: number;
  /** Per tenant: sessions `active` or `completing` at once. */
  quotaSessions: number;
  /** Objects up to this size are verified while `complete` answers; larger ones by the worker. */
  inlineVerifyMaxBytes: number;
}

export interface UploadDeps {
  store: UploadStore;
  objects: UploadObjects;
  settings: UploadSettings;
  /** Hands a large upload's completion to the worker (the `uploadCompletions` queue). */
  enqueueCompletion(message: CompletionMessage): Promise<void>;
  now?: () => Date;
}

export interface CompletionMessage {
  tenantId: string;
  id: string;
}

/** 410: the session is past its expiry; nothing more can be sent to it. */
export class Gone extends DomainError {
  constructor(detail: string) {
    super(410, problemType('gone'), 'Gone', detail);
  }
}

const MiB = 1024 * 1024;
/** A session takes parts this long after creation or its last extend. */
export const sessionLifetimeMs = 24 * 3600 * 1000;
/**
 * The bucket's lifecycle rule aborts multipart uploads 7 days after they began
 * (infra/resources.ts); a session never outlives its upload, so extends stop an hour short.
 */
export const maxSessionAgeMs = 7 * 24 * 3600 * 1000 - 3600 * 1000;
/** Presigned part URLs live at most 15 minutes (Uppy Companion signs for 800 s). */
export const partUrlSeconds = 15 * 60;
/** A download link is for one fetch, now. */
export const downloadUrlSeconds = 5 * 60;
/**
 * The largest object whose whole-file SHA-256 can be read back and hashed within one worker
 * invocation (15 minutes at a conservative 60 MB/s from S3). Larger files are still
 * accepted; their integrity rests on per-part checksums (`partChecksums`).
 */
export const maxVerifiedBytes = 48 * 1024 * MiB;

const nowOf = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

/**
 * The plan: part size max(5 MiB, ceil(size / 10,000)) rounded up to a whole MiB (Uppy's
 * rule, which keeps every file within S3's 10,000 parts), and the count of parts; 0 bytes
 * has no parts.
 */
export function planOf(size: number): { partSize: number; partCount: number } {
  const partSize = Math.ceil(Math.max(s3Limits.minPartBytes, Math.ceil(size / s3Limits.maxParts)) / MiB) * MiB;
  return { partSize, partCount: Math.ceil(size / partSize) };
}

/** The planned size of part `number`: the last one takes what is left. */
export function plannedSize(session: Pick<UploadItem, 'size' | 'partSize' | 'partCount'>, number: number): number {
  return number < session.partCount ? session.partSize : session.size - session.partSize * (session.partCount - 1);
}

/** `type/*` and `*\/*` match families; anything else must match exactly. */
export function contentTypeAllowed(type: string, allowed: string[]): boolean {
  const family = type.slice(0, type.indexOf('/'));
  return allowed.some((entry) => entry === '*/*' || entry === type || entry === `${family}/*`);
}

/** Opens a session: the multipart upload in S3 (none for 0 bytes), then the session and its quota in one transaction. */
export async function createUpload(deps: UploadDeps, audit: Audit, input: UploadInput): Promise<Upload> {
  if (!contentTypeAllowed(input.contentType, deps.settings.contentTypes)) {
    throw new Invalid(`uploads of ${input.contentType} are not allowed here; allowed: ${deps.settings.contentTypes.join(', ')}`, [
      { field: 'body.contentType', message: 'not an allowed content type' },
    ]);
  }
  if (input.sha256 && input.size > maxVerifiedBytes) {
    throw new Invalid(`a whole-file sha256 can be verified for files up to ${maxVerifiedBytes} bytes; send larger files with partChecksums instead`, [
      { field: 'body.sha256', message: 'file too large to read back' },
    ]);
  }
  const now = nowOf(deps);
  const at = now.toISOString();
  const id = newId('upl', now.getTime());
  // The key is ours alone: the client's filename is stored beside it, never part of it.
  const key = `uploads/${audit.tenantId}/${id}`;
  const plan = planOf(input.size);
  const uploadId = input.size === 0 ? null : await deps.objects.createMultipart(key, input.contentType, input.partChecksums);
  const item: UploadItem = {
    tenantId: audit.tenantId,
    id,
    filename: input.filename,
    size: input.size,
    contentType: input.contentType,
    sha256: input.sha256 ?? null,
    partChecksums: input.partChecksums,
    metadata: input.metadata,
    key,
    uploadId,
    ...plan,
    status: 'active',
    verified: false,
    failure: null,
    createdAt: at,
    updatedAt: at,
    expiry: new Date(now.getTime() + sessionLifetimeMs).toISOString(),
    completedAt: null,
  };
  const outcome = await deps.store.create(item, { openSessions: deps.settings.quotaSessions, bytes: deps.settings.quotaBytes }, changeRecords(deps.store.table, audit, id, at, 201));
  if (outcome !== 'created') {
    // Nothing refers to it: abort now rather than leave it to the lifecycle rule.
    if (uploadId) await deps.objects.abort(key, uploadId);
    if (outcome === 'too-many-sessions') throw new Conflict(`the tenant has ${deps.settings.quotaSessions} open upload sessions, its limit; complete or cancel one first`);
    if (outcome === 'too-many-bytes') throw new Conflict(`this upload would take the tenant past its ${deps.settings.quotaBytes} bytes of uploads; delete uploads first`);
    throw new Conflict('the upload was not created: a concurrent request with the same Idempotency-Key got there first; retry');
  }
  return toUpload(item, [], now);
}

export async function getUpload(deps: Pick<UploadDeps, 'store' | 'now'>, tenantId: string, id: string): Promise<Upload> {
  const session = await sessionOf(deps, tenantId, id);
  return toUpload(session, await deps.store.parts(tenantId, id), nowOf(deps));
}

export async function listUploads(deps: Pick<UploadDeps, 'store' | 'now'>, tenantId: string, query: UploadListQuery): Promise<{ data: UploadSummary[]; nextCursor: string | null }> {
  const now = nowOf(deps);
  const { items, nextCursor } = await deps.store.list(tenantId, query);
  return { data: items.map((item) => toSummary(item, now)), nextCursor };
}

/** Presigned UploadPart URLs; a part's SHA-256, when given, is a signed header S3 holds the bytes to. */
export async function presignParts(deps: UploadDeps, audit: Audit, id: string, input: PartUrlsInput): Promise<PartUrls> {
  const now = nowOf(deps);
  const session = await activeSession(deps, audit.tenantId, id, now);
  const problems = input.parts.flatMap((part, i) => partProblems(session, part.number, part.sha256, `body.parts.${i}`));
  if (problems.length) throw new Invalid(`the parts asked for do not fit this upload: ${problems.map((p) => `${p.field} (${p.message})`).join('; ')}`, problems);
  // Never past the session's own expiry.
  const seconds = Math.max(1, Math.min(partUrlSeconds, Math.floor((Date.parse(session.expiry) - now.getTime()) / 1000)));
  const expiresAt = new Date(now.getTime() + seconds * 1000).toISOString();
  const parts = await Promise.all(
    input.parts.map(async (part) => {
      const signed = await deps.objects.presignPart({
        key: session.key,
        uploadId: session.uploadId!,
        number: part.number,
        size: plannedSize(session, part.number),
        ...(part.sha256 ? { sha256: Buffer.from(part.sha256, 'hex').toString('base64') } : {}),
        expiresInSeconds: seconds,
      });
      return { number: part.number, ...signed, expiresAt };
    }),
  );
  // Signing changes nothing stored: the audit entry (and the Idempotency-Key's commit) stand alone.
  await deps.store.commit(changeRecords(deps.store.table, audit, id, now.toISOString()));
  return { id, parts };
}

/** Records a part the client finished (replacing an earlier record of the same number). */
export async function recordPart(deps: Pick<UploadDeps, 'store' | 'now'>, audit: Audit, id: string, number: number, input: PartInput): Promise<Upload> {
  const now = nowOf(deps);
  const session = await activeSession(deps, audit.tenantId, id, now);
  if (session.partChecksums && !input.sha256) {
    throw new Invalid('this upload was created with partChecksums: record each part with its sha256', [{ field: 'body.sha256', message: 'required for this upload' }]);
  }
  if (!session.partChecksums && input.sha256) {
    throw new Invalid('this upload was created without partChecksums: its parts carry no sha256', [{ field: 'body.sha256', message: 'not taken by this upload' }]);
  }
  const at = now.toISOString();
  // Kept as reported: a part outside the plan or of another size is named by `complete`.
  const part: PartItem = { number, size: input.size, etag: quoted(input.etag), sha256: input.sha256 ?? null, recordedAt: at };
  const outcome = await deps.store.recordPart(audit.tenantId, id, part, at, changeRecords(deps.store.table, audit, id, at));
  if (outcome === 'refused') {
    // Says 404, 409 or 410 as the session now stands; if it still takes parts, a concurrent
    // change (the same Idempotency-Key) refused this one.
    await activeSession(deps, audit.tenantId, id, now);
    throw new Conflict('the upload changed meanwhile; read it again');
  }
  return getUpload(deps, audit.tenantId, id);
}

/**
 * Completes the upload. Refused (409) while a part of the plan is missing, one is recorded
 * outside it or at another size; else the session becomes `completing` (that transaction
 * holds the audit entry, so two completes cannot both start) and is finished here for
 * objects up to `inlineVerifyMaxBytes`, or by the worker (202) above.
 *
 * A complete of a session already `completing` resumes it: whatever step a crash
 * interrupted is idempotent (S3's If-None-Match finds the object there already).
 */
export async function completeUpload(deps: UploadDeps, audit: Audit, id: string): Promise<{ status: 200 | 202; upload: Upload }> {
  const now = nowOf(deps);
  const session = await sessionOf(deps, audit.tenantId, id);
  if (session.status === 'completed') return { status: 200, upload: await getUpload(deps, audit.tenantId, id) };
  if (session.status !== 'completing') {
    const active = await activeSession(deps, audit.tenantId, id, now);
    const parts = await reconciledParts(deps, active);
    const wrong = planProblems(active, parts);
    if (wrong) throw new Conflict(`the upload cannot be completed yet: ${wrong}`);
    const at = now.toISOString();
    const moved = await deps.store.transition(audit.tenantId, id, { from: ['active'], notExpiredAt: at, set: { status: 'completing', updatedAt: at } }, changeRecords(deps.store.table, audit, id, at));
    if (!moved) throw new Conflict('the upload changed meanwhile (completed, cancelled or expired by another request); read it again');
  } else {
    // Resumed: no transition to carry the audit entry, so it is written on its own.
    await deps.store.commit(changeRecords(deps.store.table, audit, id, now.toISOString()));
  }
  const completing = (await deps.store.get(audit.tenantId, id))!;
  if (completing.size > deps.settings.inlineVerifyMaxBytes) {
    await deps.enqueueCompletion({ tenantId: audit.tenantId, id });
    return { status: 202, upload: await getUpload(deps, audit.tenantId, id) };
  }
  await finishUpload(deps, audit.tenantId, id);
  return { status: 200, upload: await getUpload(deps, audit.tenantId, id) };
}

/**
 * The part of completion that may be long (the worker's, for large objects): S3's
 * CompleteMultipartUpload with If-None-Match: *, the stored size, and the declared
 * SHA-256 read back; then `completed` (`verified` when a SHA-256 was checked) or `failed`
 * with the object removed, each with its event. Runs again harmlessly: a session no
 * longer `completing` is left as it is.
 */
export async function finishUpload(deps: Omit<UploadDeps, 'enqueueCompletion'>, tenantId: string, id: string): Promise<UploadStatus | undefined> {
  const session = await deps.store.get(tenantId, id);
  if (session?.status !== 'completing') return session?.status;
  const failure = await storeObject(deps, session);
  const now = nowOf(deps);
  const at = now.toISOString();
  if (failure) {
    await deps.objects.remove(session.key);
    const failed: UploadItem = { ...session, status: 'failed', failure, updatedAt: at };
    const moved = await deps.store.transition(
      tenantId,
      id,
      { from: ['completing'], set: { status: 'failed', failure, updatedAt: at }, quota: { sessions: -1, bytes: -session.size }, keepFor: ttlOf(at, keepEndedSeconds) },
      [eventPut(deps.store.table, tenantId, 'upload.failed', toSummary(failed, now), now)],
    );
    if (moved) {
      tally.count(tenantId, 'upload', {}, { failed: 1 });
      tally.fail(tenantId, { kind: 'upload.failed' }, `upload ${id}: ${failure}`);
    }
    return 'failed';
  }
  const completed: UploadItem = { ...session, status: 'completed', verified: session.sha256 !== null, completedAt: at, updatedAt: at };
  const moved = await deps.store.transition(
    tenantId,
    id,
    { from: ['completing'], set: { status: 'completed', verified: completed.verified, completedAt: at, updatedAt: at }, quota: { sessions: -1, bytes: 0 }, keepFor: null },
    [eventPut(deps.store.table, tenantId, 'upload.completed', toSummary(completed, now), now)],
  );
  // Counted by whoever moved it: a second worker finishing the same session counts nothing.
  if (moved) tally.count(tenantId, 'upload', {}, { completed: 1, bytes: session.size });
  return 'completed';
}

/** Writes the object and checks it; the reason it failed, or undefined when it is exactly the file declared. */
async function storeObject(deps: Pick<UploadDeps, 'store' | 'objects'>, session: UploadItem): Promise<string | undefined> {
  if (session.uploadId === null) {
    await deps.objects.putEmpty(session.key, session.contentType);
  } else {
    const parts = await reconciledParts(deps, session);
    const wrong = planProblems(session, parts);
    const listed = parts.filter((part) => part.number <= session.partCount).sort((a, b) => a.number - b.number);
    try {
      if (!wrong) await deps.objects.completeMultipart(session.key, session.uploadId, listed.map((part) => ({ number: part.number, etag: part.etag, ...(session.partChecksums && part.sha256 ? { sha256: part.sha256 } : {}) })));
    } catch (error) {
      const name = (error as Error).name;
      // A completion that ran before this one (a retry after a crash) leaves no upload but the object.
      if (name !== 'NoSuchUpload' || (await deps.objects.sizeOf(session.key)) === undefined) {
        return `S3 refused to assemble the parts (${name}): a recorded ETag is not the part's`;
      }
    }
    if (wrong && (await deps.objects.sizeOf(session.key)) === undefined) return `the parts no longer fit the plan: ${wrong}`;
  }
  const size = await deps.objects.sizeOf(session.key);
  if (size !== session.size) return `the stored object has ${size ?? 0} bytes; ${session.size} were declared`;
  if (session.sha256 !== null) {
    const actual = await deps.objects.sha256Of(session.key);
    if (actual !== session.sha256) return `the stored object's SHA-256 is ${actual}; ${session.sha256} was declared`;
  }
  return undefined;
}

/** Moves the expiry on by a session's lifetime, never past what the bucket's lifecycle rule allows. */
export async function extendUpload(deps: Pick<UploadDeps, 'store' | 'now'>, audit: Audit, id: string): Promise<Upload> {
  const now = nowOf(deps);
  const session = await activeSession(deps, audit.tenantId, id, now);
  const at = now.toISOString();
  const latest = Date.parse(session.createdAt) + maxSessionAgeMs;
  const expiry = new Date(Math.max(Date.parse(session.expiry), Math.min(now.getTime() + sessionLifetimeMs, latest))).toISOString();
  const moved = await deps.store.transition(
    audit.tenantId,
    id,
    { from: ['active'], notExpiredAt: at, set: { expiry, updatedAt: at }, keepFor: ttlOf(expiry, keepEndedSeconds) },
    changeRecords(deps.store.table, audit, id, at),
  );
  if (!moved) throw new Conflict('the upload changed meanwhile (completed, cancelled or expired); read it again');
  return getUpload(deps, audit.tenantId, id);
}

/**
 * Cancels an open session (its multipart upload aborted, its parts gone) or deletes a
 * completed upload's object; either way it ends `cancelled` and frees its quota. The
 * status moves first: a crash before S3 is cleaned leaves a `cancelled` session, and a
 * retry cleans again (abort and delete are idempotent).
 */
export async function cancelUpload(deps: UploadDeps, audit: Audit, id: string): Promise<Upload> {
  const session = await sessionOf(deps, audit.tenantId, id);
  const now = nowOf(deps);
  const at = now.toISOString();
  if (session.status === 'completing') throw new Conflict('the upload is being completed; cancel it after it has completed or failed');
  if (session.status === 'active' || session.status === 'completed') {
    const quota = { sessions: session.status === 'active' ? -1 : 0, bytes: -session.size };
    const moved = await deps.store.transition(
      audit.tenantId,
      id,
      { from: [session.status], set: { status: 'cancelled', updatedAt: at }, quota, keepFor: ttlOf(at, keepEndedSeconds) },
      changeRecords(deps.store.table, audit, id, at),
    );
    if (!moved) throw new Conflict('the upload changed meanwhile; read it again');
  }
  if (session.status === 'active' || session.status === 'completed' || session.status === 'cancelled') {
    if (session.uploadId) await deps.objects.abort(session.key, session.uploadId);
    await deps.objects.remove(session.key);
  }
  return getUpload(deps, audit.tenantId, id);
}

export async function downloadUpload(deps: UploadDeps, tenantId: string, id: string): Promise<Download> {
  const session = await sessionOf(deps, tenantId, id);
  if (session.status !== 'completed') throw new Conflict(`upload ${id} is ${statusAt(session, nowOf(deps))}; only a completed upload can be downloaded`);
  const now = nowOf(deps);
  const url = await deps.objects.presignDownload(session.key, session.filename, session.contentType, downloadUrlSeconds);
  return { id, url, expiresAt: new Date(now.getTime() + downloadUrlSeconds * 1000).toISOString() };
}

/**
 * The scheduled sweep: active sessions past their expiry become `expired` (quota freed)
 * and their multipart uploads are aborted. A crash between the two leaves the upload to the
 * bucket's lifecycle rule. Answers how many it expired.
 */
export async function expireUploads(deps: Omit<UploadDeps, 'enqueueCompletion'>, batch = 100): Promise<number> {
  const now = nowOf(deps);
  const at = now.toISOString();
  let expired = 0;
  // Batch after batch while they come full; bounded, so one run ends well within its timeout
  // (the next run, 15 minutes later, takes the rest).
  for (let round = 0; round < 20; round++) {
    const due = await deps.store.expiredBefore(at, batch);
    for (const { tenantId, id } of due) {
      const session = await deps.store.get(tenantId, id);
      if (!session) continue;
      const moved = await deps.store.transition(
        tenantId,
        id,
        { from: ['active'], expiredAt: at, set: { status: 'expired', updatedAt: at }, quota: { sessions: -1, bytes: -session.size }, keepFor: ttlOf(at, keepEndedSeconds) },
        [],
      );
      if (!moved) continue;
      if (session.uploadId) await deps.objects.abort(session.key, session.uploadId);
      expired++;
    }
    if (due.length < batch) break;
  }
  return expired;
}

/** The recorded parts, and in AWS those S3 holds (ListParts): S3's word wins, so a part sent but never recorded counts. */
async function reconciledParts(deps: Pick<UploadDeps, 'store' | 'objects'>, session: UploadItem): Promise<PartItem[]> {
  const recorded = await deps.store.parts(session.tenantId, session.id);
  if (session.uploadId === null) return recorded;
  const stored = await deps.objects.listParts(session.key, session.uploadId);
  if (!stored) return recorded;
  const byNumber = new Map(recorded.map((part) => [part.number, part]));
  for (const part of stored) {
    byNumber.set(part.number, { number: part.number, size: part.size, etag: quoted(part.etag), sha256: part.sha256 ?? null, recordedAt: byNumber.get(part.number)?.recordedAt ?? new Date().toISOString() });
  }
  return [...byNumber.values()].sort((a, b) => a.number - b.number);
}

/** What keeps the parts from being completed, in words, or undefined when they fit the plan. */
export function planProblems(session: Pick<UploadItem, 'size' | 'partSize' | 'partCount' | 'partChecksums'>, parts: PartItem[]): string | undefined {
  const have = new Map(parts.map((part) => [part.number, part]));
  const missing: number[] = [];
  for (let n = 1; n <= session.partCount; n++) if (!have.has(n)) missing.push(n);
  const outside = parts.filter((part) => part.number > session.partCount).map((part) => part.number);
  const misSized = parts.filter((part) => part.number <= session.partCount && part.size !== plannedSize(session, part.number));
  const unsummed = session.partChecksums ? parts.filter((part) => part.number <= session.partCount && !part.sha256).map((part) => part.number) : [];
  const problems = [
    missing.length ? `missing parts ${listOf(missing)}` : '',
    outside.length ? `parts outside the plan of ${session.partCount} ${listOf(outside)}` : '',
    misSized.length ? `parts of the wrong size ${misSized.slice(0, 20).map((part) => `${part.number} (${part.size} bytes, planned ${plannedSize(session, part.number)})`).join(', ')}` : '',
    unsummed.length ? `parts without their sha256 ${listOf(unsummed)}` : '',
  ].filter(Boolean);
  return problems.length ? problems.join('; ') : undefined;
}

function listOf(numbers: number[]): string {
  return numbers.length > 20 ? `${numbers.slice(0, 20).join(', ')} and ${numbers.length - 20} more` : numbers.join(', ');
}

function partProblems(session: UploadItem, number: number, sha256: string | undefined, at: string) {
  const problems: Array<{ field: string; message: string }> = [];
  if (number > session.partCount) problems.push({ field: `${at}.number`, message: `outside the plan: this upload has ${session.partCount} part(s)` });
  if (session.partChecksums && !sha256) problems.push({ field: `${at}.sha256`, message: 'required: the upload was created with partChecksums' });
  if (!session.partChecksums && sha256) problems.push({ field: `${at}.sha256`, message: 'not taken: the upload was created without partChecksums' });
  return problems;
}

const quoted = (etag: string) => (etag.startsWith('"') ? etag : `"${etag.replace(/"/g, '')}"`);

async function sessionOf(deps: Pick<UploadDeps, 'store'>, tenantId: string, id: string): Promise<UploadItem> {
  const session = await deps.store.get(tenantId, id);
  if (!session) throw new NotFound(`no upload ${id}`);
  return session;
}

/** The session, if it still takes parts: 410 past its expiry, 409 when it has moved on. */
async function activeSession(deps: Pick<UploadDeps, 'store'>, tenantId: string, id: string, now: Date): Promise<UploadItem> {
  const session = await sessionOf(deps, tenantId, id);
  const status = statusAt(session, now);
  if (status === 'expired') throw new Gone(`upload ${id} expired at ${session.expiry}; start a new upload`);
  if (status !== 'active') throw new Conflict(`upload ${id} is ${status}; it takes no more parts`);
  return session;
}

/** An active session past its expiry is expired, whether or not the sweep has come by. */
const statusAt = (session: UploadItem, now: Date): UploadStatus =>
  session.status === 'active' && Date.parse(session.expiry) <= now.getTime() ? 'expired' : session.status;

function toSummary(item: UploadItem, now: Date): UploadSummary {
  const status = statusAt(item, now);
  return {
    id: item.id,
    filename: item.filename,
    size: item.size,
    contentType: item.contentType,
    sha256: item.sha256,
    partChecksums: item.partChecksums,
    metadata: item.metadata,
    key: item.key,
    partSize: item.partSize,
    partCount: item.partCount,
    status,
    verified: item.verified,
    failure: item.failure,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    expiresAt: status === 'completed' || status === 'cancelled' ? null : item.expiry,
    completedAt: item.completedAt,
  };
}

function toUpload(item: UploadItem, parts: PartItem[], now: Date): Upload {
  const done = parts.filter((part) => part.number <= item.partCount && part.size === plannedSize(item, part.number));
  return {
    ...toSummary(item, now),
    partsDone: done.length,
    bytesDone: done.reduce((sum, part) => sum + part.size, 0),
    parts: parts.map((part) => ({ number: part.number, size: part.size, etag: part.etag, sha256: part.sha256, recordedAt: part.recordedAt })),
  };
}
