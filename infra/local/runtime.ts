import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Declaration } from '../declaration';
import { documentClient } from '../../shared/platform/dynamodb';
import { resourceEnv } from '../../shared/platform/resource-env';
import type { TableStore } from '../../shared/platform/items';
import { scopes } from '../../shared/platform/contract';
import { operatorAudit } from '../../shared/platform/audit';
import { authenticate, createApiKey, createTenant } from '../../shared/tenancy/service';
import { maxKeyLength } from '../../shared/tenancy/keys';
import { startDynamoDb, type RunningDynamoDb } from './dynamodb';
import { createFunctionHost, type FunctionHost } from './functions';
import { scopedInvokeStore } from './invoke-store';
import { startGateway } from './gateway';
import { startPollers } from './pollers';
import { freePort } from './ports';
import { localNames, provisionQueuesAndBucket, provisionTables } from './provision';
import { startScheduler, type RunningScheduler } from './scheduler';
import { keyringEnv } from './keyring-files';

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
}

export interface LocalRuntime {
  url: string;
  dataDir: string;
  apiKey: string;
  env: Record<string, string>;
  dynamodbEndpoint: string;
  functions: FunctionHost;
  scheduler: RunningScheduler;
  stop(): Promise<void>;
}

const region = 'us-east-1';
export const localTenantId = 'local';

/**
 * The whole system on one machine: DynamoDB Local, fauxqs (SQS + S3), the declared
 * tables, queues and bucket, the gateway, the SQS pollers and the scheduler, all reading
 * the same declaration the CDK app deploys.
 */
export async function startLocal(options: LocalOptions): Promise<LocalRuntime> {
  const prefix = options.prefix ?? 'junction';
  const names = localNames(prefix);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'junction-'));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  const invokeStore = await scopedInvokeStore();
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

    const env: Record<string, string> = {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      JUNCTION_LOCAL: 'true',
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: awsEndpoint,
      AWS_ENDPOINT_URL_S3: awsEndpoint,
      S3_FORCE_PATH_STYLE: 'true',
      POWERTOOLS_SERVICE_NAME: 'junction',
      POWERTOOLS_METRICS_NAMESPACE: 'Junction',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...keyringEnv(dataDir),
    };
    for (const name of Object.keys(options.declaration.resources.tables)) {
      env[resourceEnv.table(name)] = names.table(name);
    }
    const bucket = options.declaration.resources.bucket;
    if (bucket) env[resourceEnv.bucket] = names.bucket(bucket.name);

    const dynamoClient = new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials: localCredentials });
    cleanups.push(() => dynamoClient.destroy());
    await provisionTables(dynamoClient, options.declaration.resources, prefix);
    const { queues } = provisionQueuesAndBucket(fauxqs, options.declaration.resources, prefix, region);
    for (const [name, queue] of Object.entries(queues)) env[resourceEnv.queue(name)] = queue.url;
    // Handlers read their configuration from the environment at first use, as in Lambda.
    Object.assign(process.env, env);

    const apiKey = await provisionLocalKey(
      { db: documentClient(dynamoClient), table: names.table('main') },
      dataDir,
      options.localApiKey,
    );

    const functions = createFunctionHost(options.declaration, options.root, invokeStore);
    const gateway = await startGateway({
      declaration: options.declaration,
      functions,
      port: options.port ?? 0,
      now: options.now,
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
    });
    cleanups.push(async () => {
      await pollers.stop();
      sqs.destroy();
    });

    const scheduler = startScheduler({
      declaration: options.declaration,
      functions,
      region,
      now: options.now,
      timers: options.scheduleTimers,
    });
    cleanups.push(() => scheduler.stop());

    // Lets `npm run admin` find this runtime's DynamoDB and tables while it runs.
    const manifest = join(dataDir, 'runtime.json');
    writeFileSync(manifest, JSON.stringify({ url: gateway.url, pid: process.pid, env }, null, 2), { mode: 0o600 });
    cleanups.push(() => rmSync(manifest, { force: true }));

    return { url: gateway.url, dataDir, apiKey, env, dynamodbEndpoint, functions, scheduler, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

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
