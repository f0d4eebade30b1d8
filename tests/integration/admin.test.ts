import { localDynamoDb } from '../support/dynamodb';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { keyringEnv, retiredKeyrings } from '../../infra/local/keyring-files';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';
import { root, startTestRuntime, type TestRuntime } from '../support/runtime';

const run = promisify(execFile);
let runtime: TestRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

const admin = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'infra/admin.ts', ...args], {
    cwd: root,
    env: { ...process.env, JUNCTION_DATA_DIR: runtime.dataDir },
  });

describe('npm run admin against a running local runtime', () => {
  it('creates a tenant whose printed admin key works at once', async () => {
    const { stdout } = await admin('create-tenant', 'Acme', 'Corp');
    const key = /: (jh_\S+)/.exec(stdout)![1]!;
    expect(stdout).toMatch(/^tenant ten_\w+ \(Acme Corp\)/);
    const response = await runtime.call('/v1/api-keys', { key });
    expect(response.status).toBe(200);
    expect((await response.json()).data).toHaveLength(1);
  });

  it('creates a key with the scopes asked for', async () => {
    const { stdout } = await admin('create-key', '--tenant', 'local', '--scopes', 'read');
    const key = /: (jh_\S+)/.exec(stdout)![1]!;
    expect((await runtime.call('/v1/api-keys', { key })).status).toBe(403);
  });

  it('rotates the local key: re-seals stored secrets under a new key file and keeps the old one to open stragglers', async () => {
    const db = localDynamoDb(runtime.dynamodbEndpoint);
    const table = runtime.env.MAIN_TABLE_NAME!;
    const context = { tenantId: 'local', connectionId: 'conn_admin', purpose: 'credentials' };
    const before = createVault(keyringFromEnv({ env: keyringEnv(runtime.dataDir) }));
    const sealed = await before.seal({ token: 'rotate-me' }, context);
    await db.put({ TableName: table, Item: { pk: 'TENANT#local', sk: 'CREDENTIALS#conn_admin', ...sealed } });

    const { stdout } = await admin('rotate-credentials-key');
    expect(stdout).toContain('new key created');
    expect(stdout).toMatch(/done: 1 secrets now under local-/);

    const after = createVault(keyringFromEnv({ env: { LOCAL_KEYRING_PATH: keyringEnv(runtime.dataDir).LOCAL_KEYRING_PATH } }));
    expect(after.currentKeyId).not.toBe(before.currentKeyId);
    const { Item } = await db.get({ TableName: table, Key: { pk: 'TENANT#local', sk: 'CREDENTIALS#conn_admin' } });
    expect(Item!.keyId).toBe(after.currentKeyId);
    await expect(after.open(Item as never, context)).resolves.toEqual({ token: 'rotate-me' });
    expect(retiredKeyrings(runtime.dataDir)).toHaveLength(1);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['create-key'], 'create-key needs --tenant'],
    [['create-tenant'], 'create-tenant needs a name'],
  ])('says what %j lacks before it looks for any data', async (args, message) => {
    const nowhere = run(process.execPath, ['--import', 'tsx', 'infra/admin.ts', ...args], {
      cwd: root,
      env: { ...process.env, JUNCTION_DATA_DIR: '/nonexistent/junction' },
    });
    await expect(nowhere).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining(message) });
  });

  it.each([
    [['create-key', '--tenant', 'local', '--id', 'ten_x'], 'create-key does not take --id'],
    [['create-tenant', 'Foo', '--scopes', 'read'], 'create-tenant does not take --scopes'],
    [['rotate-credentials-key', '--name', 'x'], 'rotate-credentials-key does not take --name'],
  ])('refuses %j in one line naming the option the command does not take', async (args, message) => {
    const refused = await admin(...args).catch((error: { code: number; stdout: string; stderr: string }) => error);

    expect(refused).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining(message) });
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses --from-key without --stack and rotates nothing', async () => {
    const keyFile = () => keyringEnv(runtime.dataDir).LOCAL_KEYRING_PATH!;
    const before = createVault(keyringFromEnv({ env: { LOCAL_KEYRING_PATH: keyFile() } })).currentKeyId;
    const retiredBefore = retiredKeyrings(runtime.dataDir).length;

    const refused = admin('rotate-credentials-key', '--from-key', 'arn:x');

    await expect(refused).rejects.toMatchObject({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining('rotate-credentials-key --from-key needs --stack'),
    });
    expect(createVault(keyringFromEnv({ env: { LOCAL_KEYRING_PATH: keyFile() } })).currentKeyId).toBe(before);
    expect(retiredKeyrings(runtime.dataDir)).toHaveLength(retiredBefore);
  });

  it('lists in its help exactly the options each command takes', async () => {
    const { stdout: help } = await admin('--help');
    const line = (command: string) => help.split('\n').find((l) => l.includes(`-- ${command}`)) ?? '';
    const everyOption = [...new Set(help.match(/--[a-z][a-z-]*/g))];
    // A command "takes" an option when it does not refuse it. A probe either lacks the
    // command's required arguments or finds no local data, so it changes nothing; the AWS
    // settings point nowhere, so a probe with --stack never reaches an account.
    const probe = async (command: string, option: string) => {
      const result = await run(process.execPath, ['--import', 'tsx', 'infra/admin.ts', command, option, 'x'], {
        cwd: root,
        env: {
          ...process.env,
          JUNCTION_DATA_DIR: '/nonexistent/junction',
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'none',
          AWS_SECRET_ACCESS_KEY: 'none',
          AWS_PROFILE: '',
          AWS_MAX_ATTEMPTS: '1',
        },
      }).catch((error: { stderr: string }) => error);
      return !`${result.stderr}`.includes(`${command} does not take ${option}`);
    };

    const commands = ['create-tenant', 'create-key', 'rotate-credentials-key'];
    const taken = await Promise.all(
      commands.map(async (command) => {
        const takes = await Promise.all(everyOption.map((option) => probe(command, option)));
        return { command, options: everyOption.filter((_, i) => takes[i]) };
      }),
    );

    const listed = commands.map((command) => ({ command, options: everyOption.filter((option) => line(command).includes(`${option} `)) }));
    expect(taken).toEqual(listed);
  });

  it('fails with a message for an unknown tenant', async () => {
    await expect(admin('create-key', '--tenant', 'ghost')).rejects.toMatchObject({
      stderr: expect.stringContaining('tenant "ghost" does not exist'),
    });
  });
});
