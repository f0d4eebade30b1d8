import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsServiceOptions } from '../shared/platform/aws-request';
import { createDynamoDb } from '../shared/platform/dynamodb';
import { createKms, type Kms } from '../shared/platform/kms';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { scopes as allScopes, type Scope } from '../shared/platform/contract';
import { operatorAudit } from '../shared/platform/audit';
import { createApiKey, createTenant, type TenancyDeps } from '../shared/tenancy/service';
import { resourceEnv } from '../shared/platform/resource-env';
import { keyringFromEnv, localKeyring } from '../shared/vault/keyring';
import { pendingRotation, rotateSealedItems } from '../shared/vault/rotation';
import { createVault } from '../shared/vault/vault';
import { startDynamoDb } from './local/dynamodb';
import { keyringEnv, replaceKeyring } from './local/keyring-files';
import { localNames } from './local/provision';

/**
 * `npm run admin -- <command>`: tenant and key administration, against local mode
 * (default) or a deployed stack (`--stack Junction`, AWS credentials from the usual chain).
 *
 *   create-tenant <name> [--id <tenant id>] [--scopes read,write,admin]
 *   create-key --tenant <id> [--name <key name>] [--scopes read,write]
 *   rotate-credentials-key [--stack <name> --from-key <old key ARN>]
 */
const usage = `usage:
  npm run admin -- create-tenant <name> [--id <tenant id>] [--stack <name>]
  npm run admin -- create-key --tenant <id> [--name <key name>] [--scopes read,write] [--stack <name>]
  npm run admin -- rotate-credentials-key                       (local: new key, re-seal everything)
  npm run admin -- rotate-credentials-key --stack <name> --from-key <old KMS key ARN>
Without --stack it works on local mode's data (JUNCTION_DATA_DIR, default .local/).
An interrupted rotate-credentials-key resumes where it stopped when run again.`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      stack: { type: 'string' },
      'from-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) return void process.stdout.write(`${usage}\n`);
  const scopes = parseScopes(values.scopes);
  // What the command line lacks is said before any store is reached.
  const name = rest.join(' ').trim();
  if (!['create-tenant', 'create-key', 'rotate-credentials-key'].includes(command)) {
    throw new Error(`unknown command "${command}"\n${usage}`);
  }
  if (command === 'create-tenant' && !name) throw new Error(`create-tenant needs a name\n${usage}`);
  if (command === 'create-key' && !values.tenant) throw new Error(`create-key needs --tenant\n${usage}`);
  const { deps, aws, close } = values.stack ? await awsStore(values.stack) : await localStore();
  try {
    if (command === 'create-tenant') {
      const { tenant, created } = await createTenant(deps, name, values.id);
      if (!created) throw new Error(`tenant ${tenant.id} already exists`);
      const key = await createApiKey(deps, operatorAudit(tenant.id, 'admin-cli', 'api_key.create'), { name: 'first admin key', scopes: scopes ?? [...allScopes] });
      process.stdout.write(`tenant ${tenant.id} (${tenant.name})\nkey ${key.id}: ${key.secret}\n(shown once; Junction stores only its hash)\n`);
    } else if (command === 'create-key') {
      const key = await createApiKey(deps, operatorAudit(values.tenant!, 'admin-cli', 'api_key.create'), {
        name: values.name ?? 'admin CLI key',
        scopes: scopes ?? ['read', 'write'],
      });
      process.stdout.write(`key ${key.id} [${key.scopes.join(' ')}]: ${key.secret}\n(shown once; Junction stores only its hash)\n`);
    } else {
      await rotate(deps, values.stack ? { stack: values.stack, fromKey: values['from-key'], aws: aws! } : { dataDir: localDataDir() });
    }
  } finally {
    await close();
  }
}

function parseScopes(text: string | undefined): Scope[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((s) => !(allScopes as readonly string[]).includes(s));
  if (unknown.length || list.length === 0) throw new Error(`--scopes takes a list of ${allScopes.join(', ')}`);
  return list as Scope[];
}

async function stackOutput(stack: string, name: string): Promise<string> {
  const cloudformation = new CloudFormationClient({});
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
  const value = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === name)?.OutputValue;
  if (!value) throw new Error(`stack ${stack} has no ${name} output`);
  return value;
}

/** The deployed stack's table, found through its CloudFormation outputs. */
async function awsStore(stack: string) {
  const table = await stackOutput(stack, 'MainTableName');
  // The SDK resolves the region and credentials the usual ways (environment, profiles,
  // SSO, …); Junction's own client, the one the functions use, makes the calls.
  const sdk = new DynamoDBClient({});
  const aws: AwsServiceOptions = { region: await sdk.config.region(), credentials: () => sdk.config.credentials() };
  return { deps: { db: createDynamoDb(aws), table } as TenancyDeps, aws, close: async () => sdk.destroy() };
}

/**
 * Local mode's table: through the running `npm start` if there is one, else by starting
 * DynamoDB Local on the same data for the length of the command.
 */
async function localStore() {
  const dataDir = localDataDir();
  const manifest = join(dataDir, 'runtime.json');
  let endpoint: string;
  let table = localNames('junction').table('main');
  let stop = async () => {};
  if (existsSync(manifest)) {
    const { env } = JSON.parse(readFileSync(manifest, 'utf8')) as { env: Record<string, string> };
    endpoint = env.AWS_ENDPOINT_URL_DYNAMODB!;
    table = env[resourceEnv.table('main')]!;
  } else {
    if (!existsSync(join(dataDir, 'dynamodb'))) throw new Error(`no local data under ${dataDir}: run "npm start" once first`);
    const dynamodb = await startDynamoDb({ dataDir: join(dataDir, 'dynamodb') });
    endpoint = dynamodb.endpoint;
    stop = () => dynamodb.stop();
  }
  const db = createDynamoDb({ endpoint, region: 'us-east-1', credentials: () => ({ accessKeyId: 'local', secretAccessKey: 'local' }) });
  return { deps: { db, table } as TenancyDeps, aws: undefined, close: stop };
}

const localDataDir = () => process.env.JUNCTION_DATA_DIR ?? join(root, '.local');

/**
 * Re-seals every stored secret under a new key. Locally: retire the current key file,
 * make a new one, move everything over (or resume a rotation that was interrupted).
 * In AWS: move everything sealed under `--from-key` onto the stack's key.
 */
async function rotate(
  store: TenancyDeps,
  target: { dataDir: string } | { stack: string; fromKey?: string; aws: AwsServiceOptions },
) {
  let env: NodeJS.ProcessEnv;
  let kms: Kms | undefined;
  if ('dataDir' in target) {
    const pending = await pendingRotation(store);
    if (!pending) replaceKeyring(target.dataDir);
    env = keyringEnv(target.dataDir);
    if (pending && pending !== localKeyring(env.LOCAL_KEYRING_PATH!).id) {
      throw new Error(`an unfinished rotation targets key ${pending}, which is not the current key file`);
    }
    process.stdout.write(pending ? `resuming the rotation to ${pending}\n` : 'new key created; re-sealing\n');
  } else {
    if (!target.fromKey) throw new Error('--stack needs --from-key <the KMS key ARN to move away from>');
    env = { KEY_ARN: await stackOutput(target.stack, 'KeyArn'), PREVIOUS_KEY_ARNS: target.fromKey };
    kms = createKms(target.aws);
  }
  const vault = createVault(keyringFromEnv({ env, ...(kms ? { kms } : {}) }));
  const result = await rotateSealedItems(store, vault, {
    onProgress: (p) => process.stdout.write(`  re-sealed ${p.moved}, skipped ${p.skipped} (changed meanwhile), scanned ${p.scanned}\n`),
  });
  process.stdout.write(`done: ${result.moved} secrets now under ${vault.currentKeyId}\n`);
  if ('dataDir' in target) process.stdout.write('restart a running "npm start" so it seals with the new key\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
