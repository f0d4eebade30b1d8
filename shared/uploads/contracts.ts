import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { Download, PartInput, PartUrls, PartUrlsInput, Upload, UploadInput, UploadListQuery, UploadPartPath, UploadPath, UploadSummary } from './schema';

const tag = 'Uploads';
const gone = { 410: { description: 'The session expired: start a new upload' } };

export const createUploadContract = defineContract({
  summary: 'Start an upload: the plan of parts (size, count) and the session\'s expiry',
  tag,
  scope: 'write',
  audit: 'upload.create',
  body: UploadInput,
  responses: {
    201: { description: 'The session, with its plan', schema: Upload },
    409: { description: "The tenant's open sessions or bytes are at their limit" },
  },
});

export const listUploadsContract = defineContract({
  summary: 'List upload sessions, newest first; filter by status',
  tag,
  scope: 'read',
  query: UploadListQuery,
  responses: { 200: { description: 'A page of sessions (without their parts)', schema: page(UploadSummary) } },
});

export const getUploadContract = defineContract({
  summary: "Show one upload session: its parts, bytes done and status",
  tag,
  scope: 'read',
  path: UploadPath,
  responses: { 200: { description: 'The session', schema: Upload } },
});

export const presignPartsContract = defineContract({
  summary: 'Presigned PUT URLs for up to 100 parts, each bound to its size and, when given, its SHA-256',
  tag,
  scope: 'write',
  // Each URL lets its holder write: the audit log says who was handed which.
  audit: 'upload.presign_parts',
  path: UploadPath,
  body: PartUrlsInput,
  responses: {
    200: { description: 'A URL and the headers to send with it, per part', schema: PartUrls },
    409: { description: 'The session takes no more parts (completing, completed, failed or cancelled)' },
    ...gone,
  },
});

export const recordPartContract = defineContract({
  summary: 'Record a part S3 accepted (its ETag, size and SHA-256): progress, and what complete assembles',
  tag,
  scope: 'write',
  audit: 'upload.record_part',
  path: UploadPartPath,
  body: PartInput,
  responses: {
    200: { description: 'The session, with its progress', schema: Upload },
    409: { description: 'The session takes no more parts' },
    ...gone,
  },
});

export const completeUploadContract = defineContract({
  summary: 'Complete the upload: assemble the parts, check the size and the declared SHA-256',
  tag,
  scope: 'write',
  audit: 'upload.complete',
  path: UploadPath,
  responses: {
    200: { description: 'Completed (verified when a SHA-256 was declared), or failed with the reason and the object removed', schema: Upload },
    202: { description: 'Large: being verified by the worker; the session stays `completing` until then', schema: Upload },
    409: { description: 'A part is missing, outside the plan or of the wrong size (the detail names them), or the session has ended' },
    ...gone,
  },
});

export const extendUploadContract = defineContract({
  summary: "Extend the session's expiry by 24 hours (at most 7 days after it began)",
  tag,
  scope: 'write',
  audit: 'upload.extend',
  path: UploadPath,
  responses: {
    200: { description: 'The session, with its new expiry', schema: Upload },
    409: { description: 'The session has ended' },
    ...gone,
  },
});

export const cancelUploadContract = defineContract({
  summary: 'Cancel an upload: abort it and delete what was stored (a completed upload\'s object too)',
  tag,
  scope: 'write',
  audit: 'upload.cancel',
  path: UploadPath,
  responses: {
    200: { description: 'The session, cancelled', schema: Upload },
    409: { description: 'The upload is being completed' },
  },
});

export const downloadUploadContract = defineContract({
  summary: 'A presigned GET of a completed upload (valid 5 minutes)',
  tag,
  scope: 'read',
  path: UploadPath,
  responses: {
    200: { description: 'The URL', schema: Download },
    409: { description: 'The upload is not completed' },
  },
});
