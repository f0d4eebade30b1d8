import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How every function is bundled: the CDK app (`NodejsFunction`) and the bundle benchmark
 * (`bundleFunction`) both derive their esbuild options from `choices`, so what is measured
 * is what is deployed.
 */
const choices = {
  target: 'node24',
  minify: true,
  // Stack traces point at the TypeScript (with NODE_OPTIONS=--enable-source-maps);
  // leaving the sources out of the map keeps it small, the line numbers are what matter.
  sourcemap: true,
  sourcesContent: false,
  // Packages' ESM builds (the AWS SDK's `dist-es`) tree-shake better than their CJS ones:
  // a DynamoDB handler measured 821 KiB this way, 1,024 KiB with esbuild's default order.
  mainFields: ['module', 'main'],
  // CJS dependencies call `require` for Node built-ins, which an ES module lacks.
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  // Nothing is external, not even the AWS SDK: Lambda's copy is whatever version the runtime
  // ships, and one minified file loads faster than the SDK's many files (a DynamoDB handler
  // imported in 70 ms bundled against 100 ms with the SDK external, Node 24, measured here).
  external: [] as string[],
  // Functions take credentials from the environment only (see lambda-credentials.ts).
  alias: { '@aws-sdk/credential-provider-node': join(dirname(fileURLToPath(import.meta.url)), 'lambda-credentials.ts') },
};

/** The `bundling` prop of every `NodejsFunction`: ESM (`index.mjs`) for nodejs24.x. */
export const functionBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: choices.target,
  minify: choices.minify,
  sourceMap: choices.sourcemap,
  sourcesContent: choices.sourcesContent,
  mainFields: choices.mainFields,
  banner: choices.banner,
  externalModules: choices.external,
  esbuildArgs: Object.fromEntries(Object.entries(choices.alias).map(([from, to]) => [`--alias:${from}`, to])),
};

/** Bundles one entry point exactly as the CDK app does; answers the bundle's path and size. */
export async function bundleFunction(entry: string, outdir: string): Promise<{ file: string; bytes: number }> {
  const file = join(outdir, 'index.mjs');
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: choices.target,
    minify: choices.minify,
    sourcemap: choices.sourcemap,
    sourcesContent: choices.sourcesContent,
    mainFields: choices.mainFields,
    banner: { js: choices.banner },
    external: choices.external,
    alias: choices.alias,
    logLevel: 'warning',
  });
  return { file, bytes: (await stat(file)).size };
}
