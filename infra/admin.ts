import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { scopes as allScopes, type Scope } from '../shared/platform/contract';
import { operatorAudit } from '../shared/platform/audit';
import { createApiKey, createTenant, type TenancyDeps } from '../shared/tenancy/service';
import { resourceEnv } from '../shared/platform/resource-env';
import { startDynamoDb } from './local/dynamodb';
import { localNames } from './local/provision';

/**
 * `npm run admin -- <command>`: tenant and key administration, against local mode
 * (default) or a deployed stack (`--stack Junction`, AWS credentials from the usual chain).
 *
 *   create-tenant <name> [--id <tenant id>] [--scopes read,write,admin]
 *   create-key --tenant <id> [--name <key name>] [--scopes read,write]
 */
const usage = `usage:
  npm run admin -- create-tenant <name> [--id <tenant id>] [--stack <name>]
  npm run admin -- create-key --tenant <id> [--name <key name>] [--scopes read,write] [--stack <name>]
Without --stack it works on local mode's data (JUNCTION_DATA_DIR, default .local/).`;

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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) return void process.stdout.write(`${usage}\n`);
  const scopes = parseScopes(values.scopes);
  const { deps, close } = values.stack ? await awsStore(values.stack) : await localStore();
  try {
    if (command === 'create-tenant') {
      const name = rest.join(' ').trim();
      if (!name) throw new Error(`create-tenant needs a name\n${usage}`);
      const { tenant, created } = await createTenant(deps, name, values.id);
      if (!created) throw new Error(`tenant ${tenant.id} already exists`);
      const key = await createApiKey(deps, operatorAudit(tenant.id, 'admin-cli', 'api_key.create'), { name: 'first admin key', scopes: scopes ?? [...allScopes] });
      process.stdout.write(`tenant ${tenant.id} (${tenant.name})\nkey ${key.id}: ${key.secret}\n(shown once; Junction stores only its hash)\n`);
    } else if (command === 'create-key') {
      if (!values.tenant) throw new Error(`create-key needs --tenant\n${usage}`);
      const key = await createApiKey(deps, operatorAudit(values.tenant, 'admin-cli', 'api_key.create'), {
        name: values.name ?? 'admin CLI key',
        scopes: scopes ?? ['read', 'write'],
      });
      process.stdout.write(`key ${key.id} [${key.scopes.join(' ')}]: ${key.secret}\n(shown once; Junction stores only its hash)\n`);
    } else {
      throw new Error(`unknown command "${command}"\n${usage}`);
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

/** The deployed stack's table, found through its CloudFormation outputs. */
async function awsStore(stack: string) {
  const cloudformation = new CloudFormationClient({});
  const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stack }));
  const table = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'MainTableName')?.OutputValue;
  if (!table) throw new Error(`stack ${stack} has no MainTableName output`);
  const client = new DynamoDBClient({});
  return { deps: { db: DynamoDBDocumentClient.from(client), table } as TenancyDeps, close: async () => client.destroy() };
}

/**
 * Local mode's table: through the running `npm start` if there is one, else by starting
 * DynamoDB Local on the same data for the length of the command.
 */
async function localStore() {
  const dataDir = process.env.JUNCTION_DATA_DIR ?? join(root, '.local');
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
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    deps: { db: DynamoDBDocumentClient.from(client), table } as TenancyDeps,
    close: async () => {
      client.destroy();
      await stop();
    },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
