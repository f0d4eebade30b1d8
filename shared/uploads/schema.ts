import * as z from 'zod';
import { responseSchema } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { PageQuery } from '../platform/pagination';

/**
 * The API's shapes for upload sessions (docs/uploads.md). Every SHA-256 on the wire, of a
 * whole file or of one part, is lowercase hex (64 characters, what `sha256sum` prints);
 * the server turns a part's into the base64 S3 wants in `x-amz-checksum-sha256`.
 */
export const uploadIdPattern = idPattern('upl');

const MiB = 1024 * 1024;
/**
 * S3's limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html): an
 * object of at most 5 TiB, at most 10,000 parts, each 5 MiB–5 GiB except the last.
 */
export const s3Limits = { maxObjectBytes: 5 * 1024 * 1024 * MiB, maxParts: 10_000, minPartBytes: 5 * MiB, maxPartBytes: 5 * 1024 * MiB } as const;

/** Limits of our own, so a session item stays far below DynamoDB's 400 KB and a call stays small. */
export const limits = { filename: 255, contentType: 127, metadataEntries: 10, metadataKey: 64, metadataValue: 256, partsPerCall: 100 } as const;

export const Sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 as 64 hex characters')
  .transform((hex) => hex.toLowerCase());

/** Visible characters and inner spaces, no controls or bidirectional overrides: the name is shown, never a path. */
const Filename = z
  .string()
  .min(1)
  .max(limits.filename)
  .refine((text) => text.isWellFormed(), 'must be well-formed Unicode')
  .refine((text) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text), 'must not contain control or bidirectional override characters');

/** `type/subtype` (RFC 9110 §8.3.1 tokens), no parameters: what S3 stores and a download answers. */
const ContentType = z
  .string()
  .max(limits.contentType)
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'a media type such as application/pdf, without parameters')
  .transform((type) => type.toLowerCase());

/** Kept in the session (not as S3 object metadata): short printable strings only. */
const Metadata = z
  .record(
    z.string().min(1).max(limits.metadataKey).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, `.`, `_`, `-`'),
    z.string().max(limits.metadataValue).regex(/^[\x20-\x7e]*$/, 'printable ASCII'),
  )
  .refine((map) => Object.keys(map).length <= limits.metadataEntries, `at most ${limits.metadataEntries} entries`);

export const UploadInput = z
  .strictObject({
    filename: Filename,
    size: z.number().int().min(0).max(s3Limits.maxObjectBytes),
    contentType: ContentType,
    /** The whole file's SHA-256: the stored object is read back and compared before the upload counts as completed. */
    sha256: Sha256Hex.optional(),
    /**
     * Every part will be sent with its SHA-256: each part URL is then bound to its bytes, and
     * S3 keeps the parts' checksums (CreateMultipartUpload with ChecksumAlgorithm SHA256).
     */
    partChecksums: z.boolean().default(false),
    metadata: Metadata.default({}),
  })
  .meta({ id: 'UploadInput' });
export type UploadInput = z.infer<typeof UploadInput>;

const PartNumber = z.number().int().min(1).max(s3Limits.maxParts);

export const PartUrlsInput = z
  .strictObject({
    parts: z
      .array(z.strictObject({ number: PartNumber, sha256: Sha256Hex.optional() }))
      .min(1)
      .max(limits.partsPerCall)
      .refine((parts) => new Set(parts.map((part) => part.number)).size === parts.length, 'names a part twice'),
  })
  .meta({ id: 'PartUrlsInput' });
export type PartUrlsInput = z.infer<typeof PartUrlsInput>;

/** What the client reports after S3 answered its PUT of a part. */
export const PartInput = z
  .strictObject({
    /** The ETag S3 answered for the part, quotes included or not. */
    etag: z.string().min(1).max(128).regex(/^"?[\x21\x23-\x7e]+"?$/, 'an ETag as S3 answered it'),
    size: z.number().int().min(0).max(s3Limits.maxPartBytes),
    sha256: Sha256Hex.optional(),
  })
  .meta({ id: 'PartInput' });
export type PartInput = z.infer<typeof PartInput>;

export const uploadStatuses = ['active', 'completing', 'completed', 'failed', 'cancelled', 'expired'] as const;
export type UploadStatus = (typeof uploadStatuses)[number];

const sessionFields = () => ({
  id: z.string(),
  filename: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  sha256: z.string().nullable(),
  partChecksums: z.boolean(),
  metadata: z.record(z.string(), z.string()),
  /** Where the object is (or will be) in the uploads bucket: chosen by Junction, never from the filename. */
  key: z.string(),
  partSize: z.number().int(),
  partCount: z.number().int(),
  status: z.enum(uploadStatuses),
  /** The stored object's SHA-256 was read back and matched the declared one. */
  verified: z.boolean(),
  /** Why the upload failed (`failed` only). */
  failure: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Until then parts may be sent and the upload completed; null once it is completed. */
  expiresAt: z.iso.datetime().nullable(),
  completedAt: z.iso.datetime().nullable(),
});

export const UploadSummary = responseSchema(() => z.object(sessionFields()).meta({ id: 'UploadSummary' }));
export type UploadSummary = z.infer<ReturnType<typeof UploadSummary>>;

const RecordedPart = () =>
  z.object({
    number: z.number().int(),
    size: z.number().int(),
    etag: z.string(),
    sha256: z.string().nullable(),
    recordedAt: z.iso.datetime(),
  });

export const Upload = responseSchema(() =>
  z
    .object({
      ...sessionFields(),
      /** Parts recorded within the plan at their planned size. */
      partsDone: z.number().int(),
      bytesDone: z.number().int(),
      parts: z.array(RecordedPart()),
    })
    .meta({ id: 'Upload' }),
);
export type Upload = z.infer<ReturnType<typeof Upload>>;

export const PartUrls = responseSchema(() =>
  z
    .object({
      id: z.string(),
      parts: z.array(
        z.object({
          number: z.number().int(),
          url: z.string(),
          /** Send exactly these headers with the PUT: they are signed, and S3 refuses the request without them. */
          headers: z.record(z.string(), z.string()),
          expiresAt: z.iso.datetime(),
        }),
      ),
    })
    .meta({ id: 'UploadPartUrls' }),
);
export type PartUrls = z.infer<ReturnType<typeof PartUrls>>;

export const Download = responseSchema(() =>
  z.object({ id: z.string(), url: z.string(), expiresAt: z.iso.datetime() }).meta({ id: 'UploadDownload' }),
);
export type Download = z.infer<ReturnType<typeof Download>>;

export const UploadPath = z.strictObject({ id: z.string().regex(uploadIdPattern, 'not an upload id (upl_…)') });
export const UploadPartPath = UploadPath.extend({
  partNumber: z
    .string()
    .regex(/^[1-9]\d{0,4}$/, 'a part number, 1 to 10000')
    .transform(Number)
    .refine((n) => n <= s3Limits.maxParts, 'a part number, 1 to 10000'),
});

export const UploadListQuery = PageQuery.extend({ status: z.enum(uploadStatuses).optional() });
export type UploadListQuery = z.infer<typeof UploadListQuery>;

/** `upload.completed` / `upload.failed`: the session as the API shows it, without its parts. */
export const UploadEventData = UploadSummary;
export type UploadEventData = UploadSummary;
