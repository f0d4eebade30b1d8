import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { KMS } from '@aws-sdk/client-kms';
import { createDynamoDb } from '../shared/platform/dynamodb';
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
 * Each command declares the options it takes; the help is generated from this table and
 * the command line is checked against it, so an option a command would ignore (say
 * `--from-key` without `--stack`, which would rotate the local key instead) is refused.
 * create-tenant takes no `--scopes`: a tenant's first key is its admin key, the only way
 * to manage its keys over the API (`POST /v1/api-keys` needs `admin`).
 */
type Option = { value: string; required?: true; needs?: string };
const commands: Record<string, { argument?: string; options: Record<string, Option>; about?: string }> = {
  'create-tenant': {
    argument: '<name>',
    options: { id: { value: '<tenant id>' }, stack: { value: '<name>' } },
    about: 'a tenant and its first key, with every scope',
  },
  'create-key': {
    options: {
      tenant: { value: '<id>', required: true },
      name: { value: '<key name>' },
      scopes: { value: `<${allScopes.join(',')}>` },
      stack: { value: '<name>' },
    },
    about: 'a key, by default with scopes read and write',
  },
  'rotate-credentials-key': {
    options: { stack: { value: '<name>', needs: 'from-key' }, 'from-key': { value: '<old KMS key ARN>', needs: 'stack' } },
    about: 're-seal every secret: locally under a new key file; with --stack, from --from-key onto the stack\'s key',
  },
};

function synopsis(command: string): string {
  const { argument, options } = commands[command]!;
  const written = new Set<string>();
  const words = Object.entries(options).flatMap(([name, { value, required, needs }]) => {
    if (written.has(name)) return [];
    written.add(name);
    if (required) return [`--${name} ${value}`];
    // Options that only mean something together are shown together.
    if (needs && !written.has(needs)) {
      written.add(needs);
      return [`[--${name} ${value} --${needs} ${options[needs]!.value}]`];
    }
    return [`[--${name} ${value}]`];
  });
  return ['npm run admin --', command, ...(argument ? [argument] : []), ...words].join(' ');
}

const usage = `usage:
${Object.keys(commands).map((command) => `  ${synopsis(command)}\n      ${commands[command]!.about}`).join('\n')}
Without --stack it works on local mode's data (JUNCTION_DATA_DIR, default .local/).
An interrupted rotate-credentials-key resumes where it stopped when run again.`;

/** A mistake on the command line, said before any store is reached; exits with 2. */
class UsageError extends Error {}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main() {
  const { positionals, values } = parseCommandLine();
  const [command, ...rest] = positionals;
  if (values.help || !command) return void process.stdout.write(`${usage}\n`);
  // What the command line lacks, or has too much of, is said before any store is reached.
  const declared = commands[command];
  if (!declared) throw new UsageError(`unknown command "${command}"\n${usage}`);
  const given = Object.keys(values).filter((name) => name !== 'help');
  const takes = Object.keys(declared.options).map((name) => `--${name}`).join(', ');
  for (const name of given) {
    const option = declared.options[name];
    if (!option) throw new UsageError(`${command} does not take --${name} (it takes ${takes})`);
    if (option.needs && !given.includes(option.needs)) throw new UsageError(`${command} --${name} needs --${option.needs}`);
  }
  const name = rest.join(' ').trim();
  if (!declared.argument && rest.length) throw new UsageError(`${command} takes no argument, got "${rest.join(' ')}"`);
  if (declared.argument && !name) throw new UsageError(`${command} needs a name\n${usage}`);
  const missing = Object.keys(declared.options).find((option) => declared.options[option]!.required && !given.includes(option));
  if (missing) throw new UsageError(`${command} needs --${missing}\n${usage}`);
  const scopes = parseScopes(values.scopes);
  const { deps, close } = values.stack ? await awsStore(values.stack) : await localStore();
  try {
    if (command === 'create-tenant') {
      const { tenant, created } = await createTenant(deps, name, values.id);
      if (!created) throw new Error(`tenant ${tenant.id} already exists`);
      const key = await createApiKey(deps, operatorAudit(tenant.id, 'admin-cli', 'api_key.create'), { name: 'first admin key', scopes: [...allScopes] });
      process.stdout.write(`tenant ${tenant.id} (${tenant.name})\nkey ${key.id} [${key.scopes.join(' ')}]: ${key.secret}\n(shown once; Junction stores only its hash)\n`);
    } else if (command === 'create-key') {
      const key = await createApiKey(deps, operatorAudit(values.tenant!, 'admin-cli', 'api_key.create'), {
        name: values.name ?? 'admin CLI key',
        scopes: scopes ?? ['read', 'write'],
      });
      process.stdout.write(`key ${key.id} [${key.scopes.join(' ')}]: ${key.secret}\n(shown once; Junction stores only its hash)\n`);
    } else {
      await rotate(deps, values.stack ? { stack: values.stack, fromKey: values['from-key']! } : { dataDir: localDataDir() });
    }
  } finally {
    await close();
  }
}

/** Every option any command takes is parsed; which command takes which is checked after. */
function parseCommandLine() {
  const options = Object.fromEntries(
    Object.values(commands).flatMap((command) => Object.keys(command.options).map((name) => [name, { type: 'string' as const }])),
  );
  try {
    return parseArgs({ allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } }) as {
      positionals: string[];
      values: { [name: string]: string | undefined } & { help?: boolean };
    };
  } catch (error) {
    // node:util's own refusals (an unknown option, a missing value) are mistakes of the same kind.
    throw new UsageError((error as Error).message);
  }
}

function parseScopes(text: string | undefined): Scope[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((s) => !(allScopes as readonly string[]).includes(s));
  if (unknown.length || list.length === 0) throw new UsageError(`--scopes takes a list of ${allScopes.join(', ')}`);
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
  // The SDK resolves the region and credentials the usual ways (environment, profiles, SSO, …).
  const db = createDynamoDb();
  return { deps: { db, table } as TenancyDeps, close: async () => db.destroy() };
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
  const db = createDynamoDb({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    deps: { db, table } as TenancyDeps,
    close: async () => {
      db.destroy();
      await stop();
    },
  };
}

const localDataDir = () => process.env.JUNCTION_DATA_DIR ?? join(root, '.local');

/**
 * Re-seals every stored secret under a new key. Locally: retire the current key file,
 * make a new one, move everything over (or resume a rotation that was interrupted).
 * In AWS: move everything sealed under `--from-key` onto the stack's key.
 */
async function rotate(
  store: TenancyDeps,
  target: { dataDir: string } | { stack: string; fromKey: string },
) {
  let env: NodeJS.ProcessEnv;
  let kms: KMS | undefined;
  if ('dataDir' in target) {
    const pending = await pendingRotation(store);
    if (!pending) replaceKeyring(target.dataDir);
    env = keyringEnv(target.dataDir);
    if (pending && pending !== localKeyring(env.LOCAL_KEYRING_PATH!).id) {
      throw new Error(`an unfinished rotation targets key ${pending}, which is not the current key file`);
    }
    process.stdout.write(pending ? `resuming the rotation to ${pending}\n` : 'new key created; re-sealing\n');
  } else {
    env = { KEY_ARN: await stackOutput(target.stack, 'KeyArn'), PREVIOUS_KEY_ARNS: target.fromKey };
    kms = new KMS({});
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
  process.exit(error instanceof UsageError ? 2 : 1);
});
