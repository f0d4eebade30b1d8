import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../infra/local/ports';
import { root } from '../support/runtime';

/** Every process below `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const visit = (p: number) => (children.get(p) ?? []).forEach((c) => (found.push(c), visit(c)));
  visit(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

it('stops everything, Java included, on SIGTERM with requests in flight', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'junction-shutdown-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', JUNCTION_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await waitFor(async () => expect(output).toMatch(/running at (http:\/\/\S+)/), { timeoutMs: 60_000, what: 'npm start' });
  const url = /running at (http:\/\/\S+)/.exec(output)![1]!;
  const key = /dev API key[^:]*: (jh_\S+)/.exec(output)![1]!;
  const port = Number(new URL(url).port);
  const processes = descendants(child.pid!);
  expect(processes.length).toBeGreaterThan(0);

  const inFlight = Array.from({ length: 20 }, () =>
    fetch(`${url}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } }).then(
      (r) => r.status,
      () => 'dropped',
    ),
  );
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  await Promise.all(inFlight);

  // Helpers such as tsx's esbuild service leave when their parent's pipe closes: give them a moment.
  await waitFor(async () => expect(processes.filter(alive)).toEqual([]), { timeoutMs: 5000, what: 'children to exit' });
  expect(await portOpen(port)).toBe(false);
  rmSync(dataDir, { recursive: true, force: true });
});
