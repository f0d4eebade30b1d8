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
    await expect(nowhere).rejects.toMatchObject({ stderr: expect.stringContaining(message) });
  });

  it('fails with a message for an unknown tenant', async () => {
    await expect(admin('create-key', '--tenant', 'ghost')).rejects.toMatchObject({
      stderr: expect.stringContaining('tenant "ghost" does not exist'),
    });
  });
});
