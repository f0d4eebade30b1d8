import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openApiDocument from '../functions/platform/openapi-document';
import routeKeys from '../functions/platform/route-keys';
import { once } from '../shared/platform/config';

/**
 * How every function is bundled: the CDK app (`NodejsFunction`) and the bundle benchmark
 * (`bundleFunction`) both derive their esbuild options from `choices`, so what is measured
 * is what is deployed.
 */
const here = dirname(fileURLToPath(import.meta.url));

const choices = {
  target: 'node24',
  minify: true,
  // Stack traces point at the TypeScript through the map, read when a stack is first
  // formatted (see lambda-source-maps.ts); leaving the sources out of the map keeps it
  // small, the line numbers are what matter.
  sourcemap: true,
  sourcesContent: false,
  inject: [join(here, 'lambda-source-maps.ts')],
  // Packages' ES module builds tree-shake better than their CommonJS ones.
  mainFields: ['module', 'main'],
  // CommonJS output, not ESM: an ES module's `import … from 'node:http'` builds a module
  // namespace of every export of node:http, and reading its lazy `WebSocket` getter loads
  // Node's internal undici: ~70 ms of every cold start, measured here (Node 24). A CommonJS
  // bundle `require`s the built-in and reads only what it uses.
  format: 'cjs' as const,
  // Nothing is external: one minified file loads faster than many, and Lambda's own copy
  // of the AWS SDK is whatever version the runtime ships.
  external: [] as string[],
  alias: {
    // The Encryption SDK's KMS keyring imports the SDK's KMS client for a default it
    // never uses here: Junction's own client takes its place (see lambda-kms.ts).
    '@aws-sdk/client-kms': join(here, 'lambda-kms.ts'),
    // Its package index also brings in the hierarchical keyring (see lambda-kms-keyring.ts).
    '@aws-crypto/kms-keyring-node': join(here, 'lambda-kms-keyring.ts'),
    // Its decrypt client, without the pipeline that client builds as it loads (see lambda-decrypt-node.ts).
    '@aws-crypto/decrypt-node': join(here, 'lambda-decrypt-node.ts'),
    // The SDK's ECDSA helpers, for signing suites the vault does not use (see lambda-asn1.ts).
    'asn1.js': join(here, 'lambda-asn1.ts'),
    // Its few big-number operations on BigInt, in place of bn.js (see lambda-bn.ts).
    'bn.js': join(here, 'lambda-bn.ts'),
    // Node's own streams in place of their userland copy (see lambda-readable-stream.ts).
    'readable-stream': join(here, 'lambda-readable-stream.ts'),
  },
};

/**
 * Modules whose value is JSON computed from the declaration alone (named in package.json's
 * `imports`). A bundle gets the value as computed at build time in place of the code that
 * computes it: the OpenAPI document without the ~700 schemas it is generated from, the
 * route keys without every route's contract.
 */
const frozenModules: Record<string, unknown> = {
  '#openapi-document': openApiDocument,
  '#route-keys': routeKeys,
};

/** Writes each frozen module under .build/ and answers the aliases that point bundles at them. */
const frozenAliases = once(() => {
  const dir = join(here, '..', '.build', 'frozen');
  mkdirSync(dir, { recursive: true });
  return Object.fromEntries(
    Object.entries(frozenModules).map(([specifier, value]) => {
      const file = join(dir, `${specifier.slice(1)}.cjs`);
      // V8 reads a JSON string faster than the same value written as a JavaScript literal.
      const text = `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(value))});\n`;
      // Another process may be bundling at the same time: each file appears whole.
      const partial = `${file}.${process.pid}`;
      writeFileSync(partial, text);
      renameSync(partial, file);
      return [specifier, file];
    }),
  );
});

const aliases = () => ({ ...choices.alias, ...frozenAliases() });

/** The `bundling` prop of every `NodejsFunction`: one CommonJS file (`index.js`) for nodejs24.x. */
export const functionBundling = (): BundlingOptions => ({
  format: OutputFormat.CJS,
  target: choices.target,
  minify: choices.minify,
  sourceMap: choices.sourcemap,
  sourcesContent: choices.sourcesContent,
  mainFields: choices.mainFields,
  inject: choices.inject,
  externalModules: choices.external,
  esbuildArgs: Object.fromEntries(Object.entries(aliases()).map(([from, to]) => [`--alias:${from}`, to])),
});

/**
 * Bundles one entry point exactly as the CDK app does; answers the bundle's path and size.
 * The file is `index.cjs`: Lambda reads its `index.js` as CommonJS (the asset has no
 * package.json), and the extension tells Node the same wherever this copy lands.
 */
export async function bundleFunction(entry: string, outdir: string): Promise<{ file: string; bytes: number }> {
  const file = join(outdir, 'index.cjs');
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: choices.format,
    target: choices.target,
    minify: choices.minify,
    sourcemap: choices.sourcemap,
    sourcesContent: choices.sourcesContent,
    mainFields: choices.mainFields,
    inject: choices.inject,
    external: choices.external,
    alias: aliases(),
    logLevel: 'warning',
  });
  return { file, bytes: (await stat(file)).size };
}
