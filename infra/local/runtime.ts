import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commonFunctionEnv, consumedQueue, defaultMemoryMb, settingsEnv, streamedTable, type Declaration, type FunctionDeclaration, type FunctionSettings } from '../declaration';
import { documentClient } from '../../shared/platform/dynamodb';
import { accessEnv, type ResourceLocations } from '../../shared/platform/resource-env';
import type { TableStore } from '../../shared/platform/items';
import { scopes } from '../../shared/platform/contract';
import { operatorAudit } from '../../shared/platform/audit';
import { authenticate, createApiKey, createTenant } from '../../shared/tenancy/service';
import { maxKeyLength } from '../../shared/tenancy/keys';
import { startDynamoDb, type RunningDynamoDb } from './dynamodb';
import { createFunctionHost, type FunctionHost, type RunningFunctionHost } from './functions';
import { localConcurrency } from './invoke-store';
import type { LogLine, LogSink } from './logs';
import { startGateway } from './gateway';
import { startPollers } from './pollers';
import { freePort } from './ports';
import { localNames, provisionQueuesAndBucket, provisionTables } from './provision';
import { startScheduler, type RunningScheduler } from './scheduler';
import { startStreamPollers } from './streams';
import { keyringEnv } from './keyring-files';
import { startS3PresignCheck } from './s3-presign-check';
import { startSes, type RunningSes } from './ses';

export interface LocalOptions {
  declaration: Declaration;
  /** Repo root: function entries are relative to it. */
  root: string;
  /** Gateway port; 0 picks a free one. */
  port?: number;
  /** Where DynamoDB Local, fauxqs and the keyring keep their data; omitted: in memory. */
  dataDir?: string;
  /** Use a DynamoDB Local that is already running (tests share one). */
  dynamodbEndpoint?: string;
  /** Prefix of every physical resource name, so several runtimes can share one DynamoDB. */
  prefix?: string;
  /** Provision exactly this key (all scopes) for tenant `local`. */
  localApiKey?: string;
  /** Clock for the authorizer cache and the scheduler. */
  now?: () => number;
  /** Whether schedules fire on their own (tests call `scheduler.tick`). */
  scheduleTimers?: boolean;
  /** Where the functions' and the runtime's log lines go; omitted: kept in `logs`, for tests to read. */
  log?: LogSink;
  /** Variables every function gets on top of its own (tests point functions at stand-ins). */
  functionEnv?: Record<string, string>;
  /** Variables only the named function gets, on top of all the others (a test gives two functions different settings). */
  envByFunction?: Record<string, Record<string, string>>;
}

export interface LocalRuntime {
  url: string;
  dataDir: string;
  apiKey: string;
  /**
   * The variables of every declared resource, the endpoints and the keyring, also set on
   * this process (for the tests and scripts that call shared code directly). Each
   * function gets only its own (see `functionEnv` below).
   */
  env: Record<string, string>;
  dynamodbEndpoint: string;
  functions: FunctionHost & Pick<RunningFunctionHost, 'killContainer'>;
  /** What the functions and the runtime logged, when no `log` sink was given. */
  logs: LogLine[];
  scheduler: RunningScheduler;
  /** The SES stand-in: every email the functions sent (also written under `<dataDir>/ses/`). */
  ses: Pick<RunningSes, 'messages' | 'url'>;
  stop(): Promise<void>;
}

const region = 'us-east-1';
export const localTenantId = 'local';

/**
 * The whole system on one machine: DynamoDB Local, fauxqs (SQS + S3), the declared
 * tables, queues and bucket, the gateway, the SQS and stream pollers and the scheduler, all reading
 * the same declaration the CDK app deploys.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  // What synth refuses does not start here either.
  for (const [name, declared] of Object.entries(options.declaration.functions)) {
    if (declared.kind === 'consumer') consumedQueue(name, declared, options.declaration.resources);
    if (declared.kind === 'stream') streamedTable(name, declared, options.declaration.resources);
  }
  const logs: LogLine[] = [];
  const log: LogSink = options.log ?? ((line) => logs.push(line));
  const prefix = options.prefix ?? 'junction';
  const names = localNames(prefix);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'junction-'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    let dynamodb: RunningDynamoDb | undefined;
    if (!options.dynamodbEndpoint) {
      dynamodb = await startDynamoDb(options.dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {});
      cleanups.push(() => dynamodb!.stop());
    }
    const dynamodbEndpoint = options.dynamodbEndpoint ?? dynamodb!.endpoint;

    const fauxqs = await startFauxqs({
      port: await freePort(),
      host: '127.0.0.1',
      logger: false,
      defaultRegion: region,
      ...(options.dataDir ? { dataDir: join(dataDir, 'fauxqs') } : {}),
    });
    cleanups.push(() => fauxqs.stop());
    const awsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
    // S3 is reached through a front that checks presigned requests as S3 does (fauxqs does not).
    const s3Front = await startS3PresignCheck({ target: awsEndpoint, credentials: localCredentials, now: options.now });
    cleanups.push(() => s3Front.stop());
    const ses = await startSes({ credentials: localCredentials, dir: join(dataDir, 'ses') });
    cleanups.push(() => ses.stop());

    // Every function gets these locally: the emulators' endpoints and credentials.
    const localEnv: Record<string, string> = {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      JUNCTION_LOCAL: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: awsEndpoint,
      AWS_ENDPOINT_URL_S3: s3Front.url,
      S3_FORCE_PATH_STYLE: 'true',
      POWERTOOLS_METRICS_NAMESPACE: 'Junction',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const { resources } = options.declaration;
    const locations: ResourceLocations = {
      tables: Object.fromEntries(Object.keys(resources.tables).map((name) => [name, names.table(name)])),
      queues: {},
      bucket: resources.bucket && names.bucket(resources.bucket.name),
      key: keyringEnv(dataDir),
    };

    const dynamoClient = new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials: localCredentials });
    cleanups.push(() => dynamoClient.destroy());
    const streamArns = await provisionTables(dynamoClient, options.declaration.resources, prefix);
    const { queues } = provisionQueuesAndBucket(fauxqs, options.declaration.resources, prefix, region);
    for (const [name, queue] of Object.entries(queues)) locations.queues[name] = queue.url;
    const everything = { tables: resources.tables, queues: resources.queues, bucket: resources.bucket ?? undefined, key: true };
    // This process's own environment (tests, the admin command) reaches every resource.
    const env = { ...localEnv, AWS_ENDPOINT_URL_SESV2: ses.url, POWERTOOLS_SERVICE_NAME: commonFunctionEnv.POWERTOOLS_SERVICE_NAME, ...accessEnv(everything, locations) };
    Object.assign(process.env, env);

    /**
     * A function's environment, exactly the variables the CDK app sets for it (the common
     * ones, its settings, its resources: `commonFunctionEnv`, `settingsEnv` and `accessEnv`
     * are the CDK app's own), plus the local endpoints, what Lambda itself sets, and local
     * mode's settings from this process's environment, read as the function's container starts.
     */
    const functionEnv = (name: string): Record<string, string> => {
      const declared = options.declaration.functions[name]!;
      return {
        ...localEnv,
        ...lambdaEnv(name, declared),
        ...localSettings(),
        ...commonFunctionEnv,
        ...settingsEnv(declared, {
          rateLimitPerMinute: cdkSetting(options.root, 'rateLimitPerMinute', 'RATE_LIMIT_PER_MINUTE'),
          eventRetentionDays: cdkSetting(options.root, 'eventRetentionDays', 'EVENT_RETENTION_DAYS'),
          webhookDisableAfterDays: cdkSetting(options.root, 'webhookDisableAfterDays', 'WEBHOOK_DISABLE_AFTER_DAYS'),
          syncStallMinutes: cdkSetting(options.root, 'syncStallMinutes', 'SYNC_STALL_MINUTES'),
          uploadContentTypes: cdkTextSetting(options.root, 'uploadContentTypes', 'UPLOAD_CONTENT_TYPES'),
          uploadTenantQuotaGiB: cdkSetting(options.root, 'uploadTenantQuotaGiB', 'UPLOAD_TENANT_QUOTA_GIB'),
          uploadTenantOpenSessions: cdkSetting(options.root, 'uploadTenantOpenSessions', 'UPLOAD_TENANT_OPEN_SESSIONS'),
          uploadInlineVerifyMaxMiB: cdkSetting(options.root, 'uploadInlineVerifyMaxMiB', 'UPLOAD_INLINE_VERIFY_MAX_MIB'),
          alertEmailFrom: cdkTextSetting(options.root, 'alertEmailFrom', 'ALERT_EMAIL_FROM'),
        }),
        ...accessEnv(declared.access, locations),
        // Only functions that may send email find SES, and locally that is the stand-in.
        ...(declared.access.email ? { AWS_ENDPOINT_URL_SESV2: ses.url } : {}),
        ...options.functionEnv,
        ...options.envByFunction?.[name],
      };
    };

    const apiKey = await provisionLocalKey(
      { db: documentClient(dynamoClient), table: names.table('main') },
      dataDir,
      options.localApiKey,
    );

    const functions = createFunctionHost({ declaration: options.declaration, root: options.root, env: functionEnv, log });
    cleanups.push(() => functions.stop());
    const gateway = await startGateway({
      declaration: options.declaration,
      functions,
      port: options.port ?? 0,
      now: options.now,
      log,
    });
    cleanups.push(() => gateway.stop());

    const sqs = new SQSClient({ endpoint: awsEndpoint, region, credentials: localCredentials });
    const pollers = startPollers({
      declaration: options.declaration,
      functions,
      sqs,
      queueUrl: (name) => queues[name]!.url,
      queueArn: (name) => queues[name]!.arn,
      region,
      log,
    });
    cleanups.push(async () => {
      await pollers.stop();
      sqs.destroy();
    });

    const streams = new DynamoDBStreamsClient({ endpoint: dynamodbEndpoint, region, credentials: localCredentials });
    cleanups.push(() => streams.destroy());
    const streamPollers = await startStreamPollers({
      declaration: options.declaration,
      functions,
      streams,
      streamArn: (table) => streamArns[table]!,
      region,
      log,
    });
    cleanups.push(() => streamPollers.stop());

    const scheduler = startScheduler({
      declaration: options.declaration,
      functions,
      region,
      now: options.now,
      timers: options.scheduleTimers,
      log,
    });
    cleanups.push(() => scheduler.stop());

    // Lets `npm run admin` find this runtime's DynamoDB and tables while it runs.
    const manifest = join(dataDir, 'runtime.json');
    writeFileSync(manifest, JSON.stringify({ url: gateway.url, pid: process.pid, env }, null, 2), { mode: 0o600 });
    cleanups.push(() => rmSync(manifest, { force: true }));

    return { url: gateway.url, dataDir, apiKey, env, dynamodbEndpoint, functions, logs, scheduler, ses: { url: ses.url, messages: ses.messages }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** What Lambda itself sets in a function's environment, as far as the code here reads it. */
function lambdaEnv(name: string, declared: FunctionDeclaration): Record<string, string> {
  return {
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(declared.memoryMb ?? defaultMemoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    // Many invocations at once in one container (see invoke-store.ts).
    AWS_LAMBDA_MAX_CONCURRENCY: String(localConcurrency),
  };
}

/**
 * Local mode's settings for every function, from this process's environment (README,
 * Configuration): ranges and certificate authorities outbound calls may reach (tests'
 * loopback servers), and the log level. Production sets none of them.
 */
function localSettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of ['OUTBOUND_ALLOWED_NETWORKS', 'OUTBOUND_CA_FILE', 'POWERTOOLS_LOG_LEVEL']) {
    const value = process.env[name];
    if (value !== undefined) settings[name] = value;
  }
  return settings;
}

/** A deployment setting: its variable if set in this process, else the CDK app's default (cdk.json's context). */
function cdkSetting(root: string, name: keyof FunctionSettings, variable: string): number {
  return Number(cdkTextSetting(root, name, variable));
}

/** A setting as text (the upload allow-list is one): the variable, else cdk.json's value. */
function cdkTextSetting(root: string, name: keyof FunctionSettings, variable: string): string {
  const given = process.env[variable];
  if (given !== undefined) return given;
  const cdk = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context: Record<string, string | number> };
  return String(cdk.context[name]);
}

/**
 * Tenant `local` and a key with every scope: the one in LOCAL_API_KEY if given, else the
 * one an earlier run saved under `.local/`, else a new one (saved for the next start).
 */
async function provisionLocalKey(
  store: TableStore,
  dataDir: string,
  wanted: string | undefined,
): Promise<string> {
  await createTenant(store, 'Local development', localTenantId, 'local-runtime');
  const saved = join(dataDir, 'dev-api-key');
  const candidate = wanted ?? (existsSync(saved) ? readFileSync(saved, 'utf8').trim() : undefined);
  if (candidate) {
    if (!candidate.startsWith('jh_') || candidate.length < 20 || candidate.length > maxKeyLength || /\s/.test(candidate)) {
      throw new Error(`LOCAL_API_KEY must start with "jh_", be 20 to ${maxKeyLength} characters long and have no spaces`);
    }
    const verdict = await authenticate(store, `Bearer ${candidate}`);
    if (verdict.tenantId === localTenantId) return candidate;
    if (verdict.failure === 'unknown API key') {
      await createApiKey(store, operatorAudit(localTenantId, 'local-runtime', 'api_key.create'), { name: 'local dev key', scopes: [...scopes] }, candidate);
      return candidate;
    }
    if (wanted) throw new Error(`LOCAL_API_KEY cannot be used: ${verdict.failure ?? 'it belongs to another tenant'}`);
    // The saved key was revoked: issue a new one below.
  }
  const created = await createApiKey(store, operatorAudit(localTenantId, 'local-runtime', 'api_key.create'), { name: 'local dev key', scopes: [...scopes] });
  writeFileSync(saved, created.secret, { mode: 0o600 });
  return created.secret;
}
