import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build } from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import openApiDocument from '../functions/platform/openapi-document';
import routeKeys from '../functions/platform/route-keys';
import { once } from '../shared/platform/config';
import { choices } from './bundle-choices';

/**
 * How every function is bundled: the CDK app (`NodejsFunction`) and the bundle benchmark
 * (`bundleFunction`) both derive their esbuild options from `choices` (bundle-choices.ts,
 * which the local runtime's containers build with too), so what is measured is what is
 * deployed.
 */
const here = dirname(fileURLToPath(import.meta.url));

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

/** Only the frozen modules are aliased: every dependency is bundled as published. */
const aliases = () => frozenAliases();

/** The `bundling` prop of every `NodejsFunction`: one CommonJS file (`index.js`) for nodejs24.x. */
export const functionBundling = (packageFiles?: PackageFiles): BundlingOptions => ({
  ...(packageFiles ? { commandHooks: copyingAfterBundling(packageFiles) } : {}),
  format: OutputFormat.CJS,
  target: choices.target,
  minify: choices.minify,
  sourceMap: choices.sourcemap,
  sourcesContent: choices.sourcesContent,
  mainFields: choices.mainFields,
  define: choices.define,
  externalModules: choices.external,
  esbuildArgs: Object.fromEntries(Object.entries(aliases()).map(([from, to]) => [`--alias:${from}`, to])),
});

type PackageFiles = Record<string, readonly string[]>;

/**
 * A function's declared `packageFiles`, copied into its asset as `node_modules/<package>/<file>`
 * beside the bundle, where Node's resolution from the bundle finds them.
 */
const copyingAfterBundling = (packageFiles: PackageFiles): NonNullable<BundlingOptions['commandHooks']> => ({
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => packageFilesCommands(packageFiles, inputDir, outputDir),
});

/** The shell commands that copy `packageFiles` from the project in `inputDir` beside the bundle in `outputDir`. */
export function packageFilesCommands(packageFiles: PackageFiles, inputDir: string, outputDir: string): string[] {
  const root = join(here, '..');
  const quote = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;
  return Object.entries(packageFiles).flatMap(([name, files]) => {
    // Where npm put the package (hoisted or not), as a path inside the project.
    const installed = relative(root, dirname(createRequire(join(root, 'package.json')).resolve(`${name}/package.json`)));
    const target = join(outputDir, 'node_modules', name);
    return [`mkdir -p ${quote(target)}`, `cp ${files.map((file) => quote(join(inputDir, installed, file))).join(' ')} ${quote(target)}`];
  });
}

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
    external: choices.external,
    define: choices.define,
    alias: aliases(),
    logLevel: 'warning',
  });
  return { file, bytes: (await stat(file)).size };
}
