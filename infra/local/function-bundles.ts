import { build, version as esbuildVersion } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { choices } from '../bundle-choices';

/**
 * A function's code as Lambda runs it: its entry and everything it imports, in one esbuild
 * bundle, built with the deployed bundles' choices (../bundle-choices.ts) but not minified.
 * A container then loads one file instead of resolving and transpiling hundreds of
 * modules: measured here, ~0.15 s instead of ~0.65 s a cold start, and every test file
 * starts many.
 *
 * Bundles are kept under `.build/local-functions/` and reused until a file one was built
 * from changes (its modification time or size; esbuild's metafile lists them all), so
 * editing any source, or installing another version of a dependency, rebuilds what it is
 * part of on the next cold start.
 */
const options = {
  ...choices,
  bundle: true,
  platform: 'node',
  // Readable code in local stack traces and debuggers; the map points at the TypeScript.
  minify: false,
} as const;

/** What makes an old bundle unusable besides its inputs: another esbuild, other options. */
const recipe = JSON.stringify({ esbuildVersion, options });

interface Built {
  recipe: string;
  /** The bundle's file name, in the entry's directory. */
  file: string;
  /** Each input (relative to the root), as [modification time, size] when it was bundled. */
  inputs: Record<string, [number, number]>;
}

/** The bundle of `entry` (relative to `root`), built now if no current one exists. */
export async function functionBundle(root: string, entry: string): Promise<string> {
  const dir = join(root, '.build', 'local-functions', entry.replace(/[^A-Za-z0-9]+/g, '_'));
  const manifest = join(dir, 'built.json');
  const previous = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as Built) : undefined;
  if (previous && previous.recipe === recipe && unchanged(root, previous.inputs) && existsSync(join(dir, previous.file))) {
    return join(dir, previous.file);
  }

  mkdirSync(dir, { recursive: true });
  // Other processes (jest's workers, a second runtime) may build the same entry at once:
  // each writes its own file, and the manifest names whichever finished last.
  const file = `bundle-${process.pid}-${randomBytes(4).toString('hex')}.cjs`;
  const started = Date.now();
  const result = await build({
    ...options,
    entryPoints: [resolve(root, entry)],
    outfile: join(dir, file),
    absWorkingDir: root,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs: Built['inputs'] = {};
  let editedMeanwhile = false;
  for (const input of Object.keys(result.metafile.inputs)) {
    const stats = statSync(resolve(root, input));
    inputs[input] = [stats.mtimeMs, stats.size];
    editedMeanwhile ||= stats.mtimeMs >= started;
  }
  // A file edited while it was being bundled may not be in the bundle as it is now: this
  // bundle serves this cold start only, and the next one builds again.
  if (!editedMeanwhile) {
    const partial = `${manifest}.${process.pid}`;
    writeFileSync(partial, JSON.stringify({ recipe, file, inputs } satisfies Built));
    renameSync(partial, manifest);
  }
  removeOldBundles(dir, file);
  return join(dir, file);
}

function unchanged(root: string, inputs: Built['inputs']): boolean {
  for (const [input, [mtimeMs, size]] of Object.entries(inputs)) {
    let stats;
    try {
      stats = statSync(resolve(root, input));
    } catch {
      return false;
    }
    if (stats.mtimeMs !== mtimeMs || stats.size !== size) return false;
  }
  return true;
}

/** Bundles replaced over a day ago: no container still starting from one needs it. */
function removeOldBundles(dir: string, current: string): void {
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('bundle-') || name.startsWith(current)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { force: true });
    } catch {
      // another process removed it first
    }
  }
}
