import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openApiDocument from '#openapi-document';
import { bundleFunction, functionBundling } from '../../../infra/bundling';
import { declaration } from '../../../infra/functions';
import { localKeyring } from '../../../shared/vault/keyring';
import { createVault } from '../../../shared/vault/vault';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

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

/** Runs `script` (with `args` as its `process.argv[1…]`) in a fresh Node with only the variables Lambda would set. */
function runNode(script: string, args: string[] = [], env: Record<string, string> = {}) {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
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
    // Not preceded by `[`: the SDK's error text about its optional CRT signer quotes `[require("…")]`.
    const required = [...code().matchAll(/(?<!\[)require\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !name.startsWith('node:') && !builtinModules.includes(name))).toEqual([]);
  });

  it("calls AWS through the AWS SDK's clients, as published", () => {
    // Strings the SDK's clients carry: their user agent, DynamoDB's and KMS's operation names.
    expect(code()).toContain('aws-sdk-js');
    expect(code()).toContain('TransactWriteItems');
    expect(code()).toContain('GenerateDataKey');
    expect(code()).not.toContain('AWS4-HMAC-SHA256 Credential=');
  });

  it('substitutes no project code for a dependency: the only aliases are the frozen modules', () => {
    const aliased = Object.keys(functionBundling().esbuildArgs ?? {}).map((arg) => arg.replace(/^--alias:/, ''));
    expect(aliased.every((specifier) => specifier.startsWith('#'))).toBe(true);
  });

  it('loads as Lambda loads it and exports handler', () => {
    const load = `const m = await import(${JSON.stringify(pathToFileURL(bundle.file).href)}); console.log(typeof m.default.handler);`;
    expect(runNode(load).trim()).toBe('function');
  });

  it('builds the request schemas it validates with, and none of the response schemas', () => {
    // Named schemas land in zod's global registry (kept on globalThis) as they are built.
    const load = `await import(${JSON.stringify(pathToFileURL(bundle.file).href)});
console.log(JSON.stringify([...globalThis.__zod_globalRegistry._idmap.keys()].sort()));`;
    const built = JSON.parse(runNode(load)) as string[];
    expect(built).toContain('ConnectionInput');
    expect(built).not.toContain('Connection');
  });

  it('loads without reading the lazy globals that pull in Node’s internal fetch (undici)', () => {
    const load = `await import(${JSON.stringify(pathToFileURL(bundle.file).href)});
console.log(process.moduleLoadList.some((name) => name.includes('undici')));`;
    expect(runNode(load).trim()).toBe('false');
  });
});

describe('modules frozen at build time', () => {
  // A message of a connection schema: in the code that validates, not in the document.
  const schemaCode = 'an integration key (kebab-case)';
  let openapi: { file: string };
  let notFound: { file: string };
  beforeAll(async () => {
    openapi = await bundleFunction(join(root, 'functions/platform/openapi.ts'), join(workdir, 'openapi'));
    notFound = await bundleFunction(join(root, 'functions/platform/not-found.ts'), join(workdir, 'not-found'));
  });

  /** Invokes a bundle's handler in a fresh Node with an HTTP API event; answers status and body. */
  function invoke(file: string, method: string, path: string) {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(file).href)});
const http = { method: process.argv[1], path: process.argv[2] };
const event = { version: '2.0', routeKey: '$default', rawPath: http.path, rawQueryString: '', headers: {}, requestContext: { http, requestId: 'r1' }, isBase64Encoded: false };
const res = await m.default.handler(event, { awsRequestId: 'a1', functionName: 'f', getRemainingTimeInMillis: () => 3000 });
console.log(JSON.stringify({ status: res.statusCode, body: JSON.parse(res.body) }));`;
    return JSON.parse(runNode(script, [method, path]).split('\n').findLast((line) => line.startsWith('{"status"'))!);
  }

  it('serve the OpenAPI document as computed from the declaration, without the schemas it is made from', () => {
    expect(code()).toContain(schemaCode);
    expect(readFileSync(openapi.file, 'utf8')).not.toContain(schemaCode);
    expect(invoke(openapi.file, 'GET', '/openapi.json')).toEqual({ status: 200, body: openApiDocument });
  });

  it('tell 405 from 404 by the declared route keys, without the routes’ contracts', () => {
    expect(readFileSync(notFound.file, 'utf8')).not.toContain(schemaCode);
    const wrongMethod = invoke(notFound.file, 'PUT', '/v1/api-keys/key_1');
    expect([wrongMethod.status, wrongMethod.body.detail]).toEqual([405, 'PUT is not served on /v1/api-keys/key_1; use GET, DELETE']);
    expect(invoke(notFound.file, 'GET', '/v1/nothing-here').status).toBe(404);
  });
});

describe('stack traces of a bundle', () => {
  let thrower: { file: string };
  beforeAll(async () => {
    thrower = await bundleFunction(join(root, 'tests/fixtures/throws-in-bundle.ts'), join(workdir, 'thrower'));
  });

  it('point at the TypeScript line through the map beside the bundle, with --enable-source-maps as functions run', () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(thrower.file).href)});
try { m.default.fail(); } catch (e) { console.log(e.stack); }`;
    const stack = runNode(script, [], { NODE_OPTIONS: '--enable-source-maps' }).split('\n');
    expect(stack[0]).toBe('Error: thrown inside the bundle');
    expect(stack[1]).toMatch(/tests\/fixtures\/throws-in-bundle\.ts:3:9\)?$/);
    expect(stack[2]).toMatch(/tests\/fixtures\/throws-in-bundle\.ts:7:3\)?$/);
  });
});

describe('the vault inside a bundle', () => {
  let vaultBundle: { file: string };
  let keyPath: string;
  const context = { tenantId: 'ten_a', connectionId: 'conn_1', purpose: 'credentials' };
  beforeAll(async () => {
    vaultBundle = await bundleFunction(join(root, 'tests/fixtures/vault-in-bundle.ts'), join(workdir, 'vault'));
    keyPath = join(workdir, 'key');
    writeFileSync(keyPath, randomBytes(32));
  });

  /** Calls the bundle's `reseal` in a fresh Node; answers what it printed or threw. */
  function resealInBundle(sealed: unknown) {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(vaultBundle.file).href)});
try { console.log(JSON.stringify(await m.default.reseal(process.argv[1], JSON.parse(process.argv[2])))); }
catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
    return JSON.parse(runNode(script, [keyPath, JSON.stringify(sealed)])) as { opened?: unknown; sealed?: { ciphertext: string; keyId: string; context: typeof context }; error?: string };
  }

  it('opens what the unbundled vault sealed, and seals what it can open', async () => {
    const keyring = localKeyring(keyPath);
    const vault = createVault({ keyring: keyring.keyring, currentKeyId: keyring.id });
    // Longer than one 4 KiB frame, so the framed stream carries several.
    const secret = { apiKey: 'sk_test_roundtrip', note: 'x'.repeat(10_000) };
    const result = resealInBundle(await vault.seal(secret, context));
    expect(result.error).toBeUndefined();
    expect(result.opened).toEqual(secret);
    await expect(vault.open(result.sealed!, context)).resolves.toEqual(secret);
  });
});

describe("the docs-asset function's bundle", () => {
  // Outside the repo, so Node's resolution from the bundle cannot reach the repo's node_modules.
  let outdir: string;
  let assets: { file: string; bytes: number };
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'junction-docs-asset-'));
    assets = await bundleFunction(join(root, 'functions/platform/docs-asset.ts'), outdir);
    // What NodejsFunction runs after bundling: the declared package files beside the bundle.
    const commands = functionBundling(declaration.functions.docsAsset!.packageFiles).commandHooks!.afterBundling(root, outdir);
    execFileSync('sh', ['-c', commands.join(' && ')]);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("stays under the 1 MiB budget: the viewer's script ships beside it, not in it", () => {
    expect(assets.bytes).toBeLessThan(1024 * 1024);
    expect(readFileSync(assets.file, 'utf8')).not.toContain('please see swagger-ui-bundle.js.LICENSE.txt');
  });

  it('serves the viewer files copied beside it', () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(assets.file).href)});
const http = { method: 'GET', path: '/docs/swagger-ui.css' };
const event = { version: '2.0', routeKey: 'GET /docs/{asset}', rawPath: http.path, rawQueryString: '', headers: {}, pathParameters: { asset: 'swagger-ui.css' }, requestContext: { http, requestId: 'r1' }, isBase64Encoded: false };
const res = await m.default.handler(event, { awsRequestId: 'a1', functionName: 'f', getRemainingTimeInMillis: () => 3000 });
console.log(JSON.stringify({ status: res.statusCode, type: res.headers['content-type'], body: res.body }));`;
    const answer = JSON.parse(runNode(script).split('\n').findLast((line) => line.startsWith('{"status"'))!);
    const installed = readFileSync(createRequire(import.meta.url).resolve('swagger-ui-dist/swagger-ui.css'), 'utf8');
    expect(answer).toEqual({ status: 200, type: 'text/css; charset=utf-8', body: installed });
  });
});
