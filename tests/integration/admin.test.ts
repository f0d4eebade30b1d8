import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

  it('fails with a message for an unknown tenant', async () => {
    await expect(admin('create-key', '--tenant', 'ghost')).rejects.toMatchObject({
      stderr: expect.stringContaining('tenant "ghost" does not exist'),
    });
  });
});
