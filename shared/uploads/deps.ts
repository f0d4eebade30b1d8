import * as z from 'zod';
import { s3 } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import { sendAll } from '../platform/queue';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import { s3UploadObjects } from './objects';
import type { UploadDeps, UploadSettings } from './service';
import { uploadStore } from './store';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** One deployment setting, read when first used: each function is handed only those it names (infra/functions.ts). */
const setting = <T extends z.ZodType>(variable: string, schema: T) =>
  once(() => readConfig('uploads', z.object({ [variable]: schema }))[variable] as z.infer<T>);

const contentTypes = setting(
  'UPLOAD_CONTENT_TYPES',
  z
    .string()
    .regex(/^\s*[\w.+*-]+\/[\w.+*-]+(\s*,\s*[\w.+*-]+\/[\w.+*-]+)*\s*$/, 'a comma-separated list of type/subtype, type/* or */*')
    .transform((list) => list.split(',').map((entry) => entry.trim().toLowerCase())),
);
const quotaGiB = setting('UPLOAD_TENANT_QUOTA_GIB', z.coerce.number().int().positive());
const openSessions = setting('UPLOAD_TENANT_OPEN_SESSIONS', z.coerce.number().int().positive());
const inlineVerifyMiB = setting('UPLOAD_INLINE_VERIFY_MAX_MIB', z.coerce.number().int().positive());

const settings: UploadSettings = {
  get contentTypes() {
    return contentTypes();
  },
  get quotaBytes() {
    return quotaGiB() * GiB;
  },
  get quotaSessions() {
    return openSessions();
  },
  get inlineVerifyMaxBytes() {
    return inlineVerifyMiB() * MiB;
  },
};

const bucket = once(() => readConfig('uploads', z.object({ [resourceEnv.bucket]: z.string().min(1) }))[resourceEnv.bucket] as string);
/** fauxqs, local mode's S3, has no ListParts: there the recorded parts are the only list. */
const hasListParts = once(() => readConfig('uploads', z.object({ JUNCTION_LOCAL: z.enum(['true', 'false']).default('false') })).JUNCTION_LOCAL !== 'true');

const completionsQueue = once(() => {
  const variable = resourceEnv.queue('uploadCompletions');
  return readConfig('uploads', z.object({ [variable]: z.string().min(1) }))[variable] as string;
});

/** The upload functions' dependencies in a Lambda container, built once from its environment. */
export const uploadDeps = once(
  (): UploadDeps => ({
    store: uploadStore(mainTable()),
    objects: s3UploadObjects(s3(), bucket(), { listParts: hasListParts() }),
    settings,
    enqueueCompletion: (message) => sendAll(completionsQueue(), 'uploadCompletions', [message]),
  }),
);

/** Reading sessions, recording parts and extending need only the table (no bucket, no grant on it). */
export const uploadStoreDeps = once(() => ({ store: uploadStore(mainTable()) }));
