import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * The uploads bucket as the upload service uses it: multipart uploads, presigned URLs,
 * read-back. A port, so unit tests pass a fake and everything else the real bucket.
 */
export interface UploadObjects {
  createMultipart(key: string, contentType: string, partChecksums: boolean): Promise<string>;
  /** A presigned UploadPart: its URL and the headers the client must send (they are signed). */
  presignPart(request: PartToSign): Promise<{ url: string; headers: Record<string, string> }>;
  /** The parts S3 holds, or undefined where the bucket has no ListParts (local mode). */
  listParts(key: string, uploadId: string): Promise<StoredPart[] | undefined>;
  /** `exists`: an object is already at the key (If-None-Match: * refused to overwrite it). */
  completeMultipart(key: string, uploadId: string, parts: Array<{ number: number; etag: string; sha256?: string }>): Promise<'completed' | 'exists'>;
  /** A 0-byte file: no multipart upload (S3 has none of 0 parts), one empty PutObject. */
  putEmpty(key: string, contentType: string): Promise<'completed' | 'exists'>;
  /** The stored object's size, or undefined when there is none. */
  sizeOf(key: string): Promise<number | undefined>;
  /** The stored object's SHA-256 (hex), read back in full. */
  sha256Of(key: string): Promise<string>;
  remove(key: string): Promise<void>;
  /** Aborts the multipart upload; one already gone (completed, aborted, swept) is not an error. */
  abort(key: string, uploadId: string): Promise<void>;
  presignDownload(key: string, filename: string, contentType: string, expiresInSeconds: number): Promise<string>;
}

export interface PartToSign {
  key: string;
  uploadId: string;
  number: number;
  size: number;
  /** Base64, as `x-amz-checksum-sha256` carries it. */
  sha256?: string;
  expiresInSeconds: number;
}

export interface StoredPart {
  number: number;
  etag: string;
  size: number;
  sha256?: string;
}

const hexOf = (base64: string | undefined) => (base64 ? Buffer.from(base64, 'base64').toString('hex') : undefined);
const nameOf = (error: unknown) => (error instanceof Error ? error.name : '');
const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** RFC 8187 `filename*`: any name, safely, in a Content-Disposition the download answers with. */
const attachment = (filename: string) =>
  `attachment; filename*=UTF-8''${encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

export function s3UploadObjects(s3: S3Client, bucket: string, options: { listParts: boolean }): UploadObjects {
  // If-None-Match: * refused: an object is there already (412), or a concurrent write to
  // the key is in flight (409 ConditionalRequestConflict).
  const refusedOverwrite = (error: unknown) => statusOf(error) === 412 || nameOf(error) === 'PreconditionFailed' || nameOf(error) === 'ConditionalRequestConflict';
  return {
    async createMultipart(key, contentType, partChecksums) {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType, ...(partChecksums ? { ChecksumAlgorithm: 'SHA256' } : {}) }),
      );
      if (!UploadId) throw new Error('S3 answered CreateMultipartUpload without an UploadId');
      return UploadId;
    },
    async presignPart({ key, uploadId, number, size, sha256, expiresInSeconds }) {
      const command = new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, ContentLength: size, ...(sha256 ? { ChecksumSHA256: sha256 } : {}) });
      // Both stay signed headers: S3 then refuses a body of another length or other bytes.
      // Left hoistable, the checksum would become a query parameter S3 does not hold the body to.
      const signed = new Set(['content-length', ...(sha256 ? ['x-amz-checksum-sha256'] : [])]);
      const url = await getSignedUrl(s3, command, { expiresIn: expiresInSeconds, signableHeaders: signed, unhoistableHeaders: signed });
      return { url, headers: { 'content-length': String(size), ...(sha256 ? { 'x-amz-checksum-sha256': sha256 } : {}) } };
    },
    async listParts(key, uploadId) {
      if (!options.listParts) return undefined;
      const parts: StoredPart[] = [];
      let marker: string | undefined;
      // ListParts answers 1,000 parts a page.
      do {
        const page = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }));
        for (const part of page.Parts ?? []) {
          parts.push({ number: part.PartNumber!, etag: part.ETag!, size: part.Size!, ...(part.ChecksumSHA256 ? { sha256: hexOf(part.ChecksumSHA256)! } : {}) });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
      return parts;
    },
    async completeMultipart(key, uploadId, parts) {
      try {
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            IfNoneMatch: '*',
            MultipartUpload: {
              Parts: parts.map((part) => ({
                PartNumber: part.number,
                ETag: part.etag,
                ...(part.sha256 ? { ChecksumSHA256: Buffer.from(part.sha256, 'hex').toString('base64') } : {}),
              })),
            },
          }),
        );
        return 'completed';
      } catch (error) {
        if (refusedOverwrite(error)) return 'exists';
        throw error;
      }
    },
    async putEmpty(key, contentType) {
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(0), ContentType: contentType, IfNoneMatch: '*' }));
        return 'completed';
      } catch (error) {
        if (refusedOverwrite(error)) return 'exists';
        throw error;
      }
    },
    async sizeOf(key) {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return head.ContentLength ?? 0;
      } catch (error) {
        if (statusOf(error) === 404 || nameOf(error) === 'NotFound' || nameOf(error) === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async sha256Of(key) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const hash = createHash('sha256');
      // Streamed: an object of many GiB never sits in memory.
      for await (const chunk of Body as Readable) hash.update(chunk as Buffer);
      return hash.digest('hex');
    },
    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async abort(key, uploadId) {
      try {
        await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        if (nameOf(error) === 'NoSuchUpload' || statusOf(error) === 404) return;
        throw error;
      }
    },
    presignDownload: (key, filename, contentType, expiresInSeconds) =>
      // An attachment, whatever the type: an HTML or SVG upload is never rendered on the bucket's origin.
      getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: attachment(filename), ResponseContentType: contentType }), {
        expiresIn: expiresInSeconds,
      }),
  };
}
