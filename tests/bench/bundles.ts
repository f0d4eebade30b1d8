import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleFunction } from '../../infra/bundling';
import { declaration } from '../../infra/functions';
import { median, root } from './measure';

/**
 * Each function bundled exactly as the CDK app deploys it, and its init time: the median
 * over fresh `node` processes that load the bundle, from spawn to exit — like Lambda's
 * Init Duration, which includes the runtime's own start (≈ 120 ms for a hello world on
 * Node 24 arm64) — next to an empty handler bundled the same way. The import alone,
 * timed inside the process, is reported beside it. Both run with the NODE_OPTIONS every
 * deployed function has (`--enable-source-maps`, infra/aws/functions.ts).
 */
export async function measureBundles(processes = 20) {
  const dir = mkdtempSync(join(tmpdir(), 'junction-bench-'));
  const emptyEntry = join(dir, 'empty.ts');
  writeFileSync(emptyEntry, 'export const handler = async () => ({});\n');
  const empty = await bundle('empty', emptyEntry, dir);
  const rows: Array<{ name: string; kind: string; bytes: number; initMs: number; importMs: number; emptyInitMs: number }> = [];
  for (const [name, fn] of Object.entries(declaration.functions)) {
    const built = await bundle(name, join(root, fn.entry), dir);
    // The empty handler's processes alternate with the function's, so a change in the
    // machine's load during the run weighs on both sides of each ratio alike.
    const [init, emptyInit] = initTimes([built.file, empty.file], processes);
    rows.push({ name, kind: fn.kind, bytes: built.bytes, initMs: init!.processMs, importMs: init!.importMs, emptyInitMs: emptyInit!.processMs });
  }
  return { rows };
}

async function bundle(name: string, entry: string, dir: string) {
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  return bundleFunction(entry, out);
}

const deployedNodeOptions = '--enable-source-maps';

/** Median process and import times of each file, their processes interleaved. */
function initTimes(files: string[], processes: number): Array<{ processMs: number; importMs: number }> {
  const script = 'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';
  const whole = files.map((): number[] => []);
  const imports = files.map((): number[] => []);
  // One warm-up round for the file system cache, then the measured rounds.
  for (let i = 0; i <= processes; i++) {
    files.forEach((file, f) => {
      const start = performance.now();
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', NODE_OPTIONS: deployedNodeOptions },
      });
      const elapsed = performance.now() - start;
      if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
      if (i > 0) {
        whole[f]!.push(elapsed);
        imports[f]!.push(Number(result.stdout));
      }
    });
  }
  return files.map((_, f) => ({ processMs: median(whole[f]!), importMs: median(imports[f]!) }));
}
