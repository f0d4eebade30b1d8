import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleFunction } from '../../infra/bundling';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A handler using the AWS Encryption SDK, which is CommonJS and requires Node built-ins
 * at load time (as the credential vault does). It lives under the repo's .build/ so
 * esbuild resolves packages from the repo's node_modules.
 */
const entrySource = `
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
const { encrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
export const handler = async () => typeof encrypt;
`;

let workdir: string;
let bundle: { file: string; bytes: number };
beforeAll(async () => {
  mkdirSync(join(root, '.build'), { recursive: true });
  workdir = mkdtempSync(join(root, '.build', 'bundling-test-'));
  writeFileSync(join(workdir, 'entry.ts'), entrySource);
  bundle = await bundleFunction(join(workdir, 'entry.ts'), join(workdir, 'out'));
});
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

describe('a function bundle', () => {
  it('is one minified ES module with a source map beside it', () => {
    expect(bundle.file).toMatch(/index\.mjs$/);
    expect(bundle.bytes).toBe(readFileSync(bundle.file).length);
    expect(readFileSync(`${bundle.file}.map`, 'utf8')).toContain('"mappings"');
    // Minified code runs on in long lines; source would average a few dozen characters a line.
    const lines = readFileSync(bundle.file, 'utf8').split('\n').length;
    expect(bundle.bytes / lines).toBeGreaterThan(1000);
  });

  it('carries the AWS SDK inside instead of importing the runtime\'s copy', () => {
    const code = readFileSync(bundle.file, 'utf8');
    expect(code).not.toMatch(/from\s*"@(aws-sdk|smithy)\//);
    expect(code).toContain('TrentService');
  });

  it("takes the SDK's credentials from Lambda's environment variables only", async () => {
    const dir = join(workdir, 'credentials');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'entry.ts'),
      `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export const handler = async () => (await new DynamoDBClient({}).config.credentials()).accessKeyId;`,
    );
    const built = await bundleFunction(join(dir, 'entry.ts'), join(dir, 'out'));
    const code = readFileSync(built.file, 'utf8');
    // The profile and SSO providers (and the clients behind them) are not in the bundle.
    expect(code).not.toContain('sso_start_url');
    const run = `const m = await import(${JSON.stringify(pathToFileURL(built.file).href)}); console.log(await m.handler());`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', run], {
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x', AWS_SESSION_TOKEN: 'y' },
      encoding: 'utf8',
    });
    expect(output.trim()).toBe('ASIAEXAMPLE');
  });

  it('loads as Lambda loads it, CommonJS dependencies requiring built-ins included, and exports handler', () => {
    const load = `const m = await import(${JSON.stringify(pathToFileURL(bundle.file).href)}); console.log(typeof m.handler);`;
    const output = execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', load], {
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' },
      encoding: 'utf8',
    });
    expect(output.trim()).toBe('function');
  });
});
