import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleFunction } from '../../infra/bundling';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The connection-creating function: it seals credentials with the Encryption SDK (CommonJS
 * and ES module packages, Node built-ins required at load time) and talks to DynamoDB
 * and KMS, so it carries every kind of code a bundle must get right.
 */
const entry = join(root, 'functions/connections/create.ts');

let workdir: string;
let bundle: { file: string; bytes: number };
beforeAll(async () => {
  mkdirSync(join(root, '.build'), { recursive: true });
  workdir = mkdtempSync(join(root, '.build', 'bundling-test-'));
  bundle = await bundleFunction(entry, join(workdir, 'out'));
});
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

const code = () => readFileSync(bundle.file, 'utf8');

/** Runs `script` in a fresh Node with only the variables Lambda would set. */
function runNode(script: string, env: Record<string, string> = {}) {
  return execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...env },
    encoding: 'utf8',
  });
}

describe('a function bundle', () => {
  it('is one minified CommonJS file with a source map beside it', () => {
    expect(bundle.file).toMatch(/index\.cjs$/);
    expect(bundle.bytes).toBe(readFileSync(bundle.file).length);
    expect(readFileSync(`${bundle.file}.map`, 'utf8')).toContain('"mappings"');
    // Minified code runs on in long lines; source would average a few dozen characters a line.
    expect(bundle.bytes / code().split('\n').length).toBeGreaterThan(1000);
    expect(code()).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('carries every dependency inside and requires nothing but Node built-ins', () => {
    const required = [...code().matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !name.startsWith('node:') && !builtinModules.includes(name))).toEqual([]);
  });

  it("leaves the AWS SDK's generated clients out: Junction's own client makes the calls", () => {
    // Strings every SDK client carries (its user agent, its Smithy error types, its names).
    expect(code()).not.toMatch(/aws-sdk-js|x-amz-user-agent|smithy|DynamoDBClient|KMSClient/);
    expect(code()).toContain('DynamoDB_20120810.');
    expect(code()).toContain('TrentService.');
  });

  it('leaves the hierarchical keyring and its branch key store out', () => {
    expect(code()).not.toContain('BranchKeyStore');
  });

  it('loads as Lambda loads it and exports handler', () => {
    const load = `const m = await import(${JSON.stringify(pathToFileURL(bundle.file).href)}); console.log(typeof m.default.handler);`;
    expect(runNode(load).trim()).toBe('function');
  });

  it('loads without reading the lazy globals that pull in Node’s internal fetch (undici)', () => {
    const load = `await import(${JSON.stringify(pathToFileURL(bundle.file).href)});
console.log(process.moduleLoadList.some((name) => name.includes('undici')));`;
    expect(runNode(load).trim()).toBe('false');
  });
});
