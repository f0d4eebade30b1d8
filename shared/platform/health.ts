import { access, constants } from 'node:fs/promises';
import type { DependencyStatus, Health } from './health-schema';
import { dynamo, region } from './aws';
import { once } from './config';
import { createKms } from './kms';
import { createS3 } from './s3';
import { createSqs } from './sqs';
import { resourceEnv } from './resource-env';

type Check = () => Promise<unknown>;

const checkTimeoutMs = 2000;
/** Health is polled by load balancers and monitors; one check a few seconds is plenty. */
const cacheMs = 5000;

/**
 * Which dependencies exist is read from the environment the function was given:
 * each `*_TABLE_NAME`, `*_QUEUE_URL`, the bucket, and the key (KMS in AWS, the
 * keyring file in local mode).
 */
const checks = once((): Record<string, Check> => {
  const env = process.env;
  const found: Record<string, Check> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name.endsWith('_TABLE_NAME')) {
      found[`table:${value}`] = () => dynamo().describeTable({ TableName: value });
    } else if (name.endsWith('_QUEUE_URL')) {
      found[`queue:${value.split('/').pop()}`] = () =>
        sqs().getQueueAttributes({ QueueUrl: value, AttributeNames: ['QueueArn'] });
    }
  }
  const bucket = env[resourceEnv.bucket];
  if (bucket) found[`bucket:${bucket}`] = () => s3().headBucket({ Bucket: bucket });
  const key = env[resourceEnv.key];
  if (key) found['key'] = () => kms().describeKey({ KeyId: key });
  const keyring = env.LOCAL_KEYRING_PATH;
  if (keyring) found['key'] = () => access(keyring, constants.R_OK);
  return found;
});

const sqs = once(() => createSqs({ region: region() }));
const s3 = once(() => createS3({ region: region(), forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }));
const kms = once(() => createKms({ region: region() }));

let cached: { at: number; health: Health } | undefined;
/** The round of checks under way: concurrent requests share it instead of each starting one. */
let checking: Promise<Health> | undefined;

export async function checkHealth(now: () => number = Date.now): Promise<Health> {
  if (cached && now() - cached.at < cacheMs) return cached.health;
  checking ??= runChecks(now).finally(() => (checking = undefined));
  return checking;
}

async function runChecks(now: () => number): Promise<Health> {
  const entries = await Promise.all(
    Object.entries(checks()).map(async ([name, check]) => [name, await timed(check)] as const),
  );
  const dependencies = Object.fromEntries(entries);
  const health: Health = {
    status: entries.every(([, d]) => d.status === 'up') ? 'ok' : 'degraded',
    checkedAt: new Date(now()).toISOString(),
    dependencies,
  };
  cached = { at: now(), health };
  return health;
}

async function timed(check: Check): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: elapsed(started) };
  } catch (error) {
    return { status: 'down', latencyMs: elapsed(started), error: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/** Only the error's class and message: never a stack, never a request dump. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : 'unknown error';
}
