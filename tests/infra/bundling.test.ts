import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, CommitmentPolicy } from '@aws-crypto/material-management-node';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openApiDocument from '#openapi-document';
import { bundleFunction } from '../../infra/bundling';
import { localKeyring } from '../../shared/vault/keyring';
import { createVault } from '../../shared/vault/vault';

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

  it('point at the TypeScript line, through the map beside the bundle, with no Node flag', () => {
    const script = `const m = await import(${JSON.stringify(pathToFileURL(thrower.file).href)});
try { m.default.fail(); } catch (e) { console.log(e.stack); }`;
    const stack = runNode(script, [], { NODE_OPTIONS: '' }).split('\n');
    expect(stack[0]).toBe('Error: thrown inside the bundle');
    expect(stack[1]).toMatch(/^ {4}at failDeep \(tests\/fixtures\/throws-in-bundle\.ts:3:9\)$/);
    expect(stack[2]).toMatch(/ \(tests\/fixtures\/throws-in-bundle\.ts:7:3\)$/);
  });

  it('leave the map unread while the bundle loads and makes errors', () => {
    const script = `import fs from 'node:fs';
let reads = 0;
const read = fs.readFileSync;
fs.readFileSync = (path, ...rest) => (String(path).endsWith('.map') && reads++, read(path, ...rest));
const m = await import(${JSON.stringify(pathToFileURL(bundle.file).href)});
new Error('made, never formatted');
console.log(reads, typeof m.default.handler);`;
    expect(runNode(script).trim()).toBe('0 function');
  });
});

describe('the vault inside a bundle', () => {
  // Bundles swap three of the Encryption SDK's dependencies (readable-stream for Node's
  // streams, asn1.js for a stub, bn.js for BigInt): messages must still be the same both ways.
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

  it('refuses an ECDSA-signed message with a clear error instead of misreading it', async () => {
    const keyring = localKeyring(keyPath);
    const { encrypt } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const { result } = await encrypt(keyring.keyring, JSON.stringify({ apiKey: 'sk_signed' }), {
      encryptionContext: { 'junction:tenant': 'ten_a', 'junction:connection': 'conn_1', 'junction:purpose': 'credentials' },
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    });
    const signed = { ciphertext: Buffer.from(result).toString('base64'), keyId: keyring.id, context };
    expect(resealInBundle(signed).error).toMatch(/ECDSA-signed .* not supported/);
  });

  it('builds no decrypt pipeline as it loads', () => {
    // The SDK's decrypt client, as published, assembles one at load; its output end is a PassThrough.
    const script = `import stream from 'node:stream';
let made = 0;
stream.PassThrough = class extends stream.PassThrough { constructor(...args) { super(...args); made++; } };
await import(${JSON.stringify(pathToFileURL(vaultBundle.file).href)});
console.log(made);`;
    expect(runNode(script).trim()).toBe('0');
  });

  it('leaves out asn1.js, bn.js and the userland copy of Node streams', () => {
    const text = readFileSync(vaultBundle.file, 'utf8');
    // Error messages each package carries in its own code.
    expect(text).not.toContain('Multi-octet tag encoding unsupported');
    expect(text).not.toContain('Unknown prime');
    expect(text).not.toContain('stream.push() after EOF');
    expect(text).toContain('ECDSA-signed Encryption SDK messages are not supported');
  });
});
