import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job } from './driver';
import type { ReceiverJob } from './receiver';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export const median = (values: number[]) => percentile(values, 50);

/**
 * This process's peak resident set in MB: Linux's VmHWM, the high-water mark of this
 * process's own memory. Not `process.resourceUsage().maxRSS` (getrusage): Linux carries
 * that across exec, so a child spawned by the bench (whose runtime has taken 1 GiB of
 * uploads through the local S3) reports the bench's RSS at the fork, 1.8 to 3 GB where the
 * child itself never passed 200 MB. Where /proc is missing, getrusage is all there is.
 */
export function peakRssMb(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * CPU time the hypervisor gave to other guests ("steal", /proc/stat) and all CPU time so far,
 * in ticks; undefined where /proc/stat is missing. Two readings give the share of a run that
 * this machine's cores were not ours, which is what makes one run's table noisier than another's.
 */
export function cpuTicks(): { steal: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
    return { steal: fields[7] ?? 0, total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/** Whether `taskset` can pin processes here (it is in util-linux; a machine may lack it). */
export const canPin = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;

/** Pins this process (and the children it starts later, Java included) to `core`. */
export function pinSelf(core: number) {
  if (canPin) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

/** The load driver, in its own process on its own core. */
export const startDriver = (core: number) => startHelper<Job>('driver.ts', core);
export type Driver = ReturnType<typeof startDriver>;

/** The webhook receiver (receiver.ts), in its own process on its own core. */
export const startReceiver = (core: number) => startHelper<ReceiverJob>('receiver.ts', core);
export type Receiver = ReturnType<typeof startReceiver>;

/** A helper process of the bench, pinned to `core`: one JSON job per stdin line, one JSON answer per stdout line. */
function startHelper<J>(script: string, core: number) {
  const command = [process.execPath, '--import', 'tsx', join(root, 'tests/bench', script)];
  const child: ChildProcessWithoutNullStreams = canPin
    ? spawn('taskset', ['-c', String(core), ...command], { cwd: root })
    : spawn(command[0]!, command.slice(1), { cwd: root });
  child.stderr.on('data', (chunk) => process.stderr.write(chunk));
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let queue = Promise.resolve();
  return {
    run<T>(job: J): Promise<T> {
      const reply = queue.then(async () => {
        child.stdin.write(`${JSON.stringify(job)}\n`);
        const { value } = await replies.next();
        const parsed = JSON.parse(value as string) as { ok: boolean; result?: T; error?: string };
        if (!parsed.ok) throw new Error(`${script}: ${parsed.error}`);
        return parsed.result as T;
      });
      queue = reply.then(() => undefined, () => undefined);
      return reply;
    },
    stop: () => child.kill(),
  };
}

/**
 * Latency of each contender next to the others: warm-up rounds, then measured rounds that
 * take them in turn, all measured samples pooled; answers p50 and p99 of each, in order.
 */
export async function sideBySide(
  contenders: Array<() => Promise<number[]>>,
  rounds = 5,
  warmUpRounds = 1,
): Promise<Array<{ p50: number; p99: number }>> {
  for (let round = 0; round < warmUpRounds; round++) for (const run of contenders) await run();
  const samples = contenders.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, run] of contenders.entries()) samples[i]!.push(...(await run()));
  }
  return samples.map((all) => ({ p50: median(all), p99: percentile(all, 99) }));
}
