import { access, constants } from 'node:fs/promises';
import type { DependencyStatus, Health } from './health-schema';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { dynamoClient, kms, s3, sqs } from './aws';
import { once } from './config';
import { logger } from './logger';
import { declaredNameOf, resourceEnv } from './resource-env';

/**
 * One dependency's check: resolves with the state that stops it serving (the state's own
 * name, as the service reports it), or undefined when it serves. A call that fails rejects.
 */
export type Check = () => Promise<string | undefined>;

const checkTimeoutMs = 2000;
/** Health is polled by load balancers and monitors; one check a few seconds is plenty. */
const cacheMs = 5000;

/**
 * A table serves while ACTIVE or UPDATING (throughput, indexes, streams change under
 * traffic). Every other state stops reads and writes: CREATING, DELETING, ARCHIVING/ARCHIVED, and
 * INACCESSIBLE_ENCRYPTION_CREDENTIALS — the storage key that encrypts the tables at
 * rest (infra/aws/) is disabled or its grant revoked. Functions get no ARN for that
 * key, and need none: this status is how its loss shows.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
 */
const servingTableStates = new Set(['ACTIVE', 'UPDATING']);

export function tableProblem(answer: { Table?: { TableStatus?: string } }): string | undefined {
  const state = answer.Table?.TableStatus ?? 'unknown';
  return servingTableStates.has(state) ? undefined : state;
}

/**
 * DescribeKey answers for a key in any state; only an Enabled key encrypts and decrypts
 * (Disabled, PendingDeletion, Unavailable… refuse every cryptographic call).
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
 */
export function keyProblem(answer: { KeyMetadata?: { KeyState?: string } }): string | undefined {
  const state = answer.KeyMetadata?.KeyState ?? 'unknown';
  return state === 'Enabled' ? undefined : state;
}

/**
 * Which dependencies exist is read from the environment the function was given:
 * each `*_TABLE_NAME`, `*_QUEUE_URL`, the bucket, and the key (KMS in AWS, the
 * keyring file in local mode). They are answered under their declared (logical) names,
 * as infra/resources.ts has them: the physical names are the deployment's business,
 * and this route answers anyone.
 */
const checks = once((): Record<string, Check> => {
  const env = process.env;
  const found: Record<string, Check> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name.endsWith('_TABLE_NAME')) {
      found[`table:${declaredNameOf(name, '_TABLE_NAME')}`] = async () =>
        tableProblem(await dynamoClient().send(new DescribeTableCommand({ TableName: value })));
    } else if (name.endsWith('_QUEUE_URL')) {
      found[`queue:${declaredNameOf(name, '_QUEUE_URL')}`] = async () => {
        await sqs().send(new GetQueueAttributesCommand({ QueueUrl: value, AttributeNames: ['QueueArn'] }));
        return undefined;
      };
    }
  }
  const bucket = env[resourceEnv.bucket];
  if (bucket) {
    found[`bucket:${declaredNameOf(resourceEnv.bucket, '_BUCKET_NAME')}`] = async () => {
      await s3().send(new HeadBucketCommand({ Bucket: bucket }));
      return undefined;
    };
  }
  const key = env[resourceEnv.key];
  if (key) found['key'] = async () => keyProblem(await kms().describeKey({ KeyId: key }));
  const keyring = env.LOCAL_KEYRING_PATH;
  if (keyring) {
    found['key'] = async () => {
      await access(keyring, constants.R_OK);
      return undefined;
    };
  }
  return found;
});

let cached: { at: number; health: Health } | undefined;
/** The round of checks under way: concurrent requests share it instead of each starting one. */
let checking: Promise<Health> | undefined;

export async function checkHealth(now: () => number = Date.now): Promise<Health> {
  if (cached && now() - cached.at < cacheMs) return cached.health;
  checking ??= runChecks(checks(), now)
    .then((health) => {
      cached = { at: now(), health };
      return health;
    })
    .finally(() => (checking = undefined));
  return checking;
}

/** One round of checks, each dependency on its own deadline; degraded when any is down. */
export async function runChecks(checks: Record<string, Check>, now: () => number = Date.now): Promise<Health> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await timed(name, check)] as const),
  );
  return {
    status: entries.every(([, d]) => d.status === 'up') ? 'ok' : 'degraded',
    checkedAt: new Date(now()).toISOString(),
    dependencies: Object.fromEntries(entries),
  };
}

class CheckTimeout extends Error {
  override readonly name = 'TimeoutError';
}

async function timed(dependency: string, check: Check): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const state = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
      }),
    ]);
    if (state === undefined) return { status: 'up', latencyMs: elapsed(started) };
    logger.warn('health check: dependency not serving', { dependency, state });
    return { status: 'down', latencyMs: elapsed(started), error: fixedReason(state) };
  } catch (error) {
    // The full error stays in the log: its message can name the account, a role's ARN,
    // physical resource names or endpoints, none of which an unauthenticated caller sees.
    logger.warn('health check failed', { dependency, error });
    return { status: 'down', latencyMs: elapsed(started), error: reasonOf(error) };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/**
 * Why a check failed, as a code from a fixed vocabulary — the AWS error code
 * (`AccessDeniedException`, `ResourceNotFoundException`, S3's `NotFound`), `TimeoutError`,
 * `unreachable`, or a file's errno code (`ENOENT`) — never the error's message.
 */
function reasonOf(error: unknown): string {
  if (error instanceof CheckTimeout) return error.name;
  // An answer from the service carries its metadata (the HTTP status); a transport failure does not.
  if (isServiceError(error)) return fixedReason(error.name);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && unreachableCodes.has(code)) return 'unreachable';
  return typeof code === 'string' ? fixedReason(code) : 'error';
}

const isServiceError = (error: unknown): error is Error =>
  error instanceof Error && typeof (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 'number';

/** The socket errors that mean no service answered at all. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

/** A code or state name as it is, or `error` if it is anything else (a code is a word, not prose). */
const fixedReason = (text: string) => (/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(text) ? text : 'error');
