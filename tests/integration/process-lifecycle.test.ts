import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../infra/local/ports';
import { root } from '../support/runtime';

/** The fields of /proc/<pid>/stat after the command name: state, parent pid, … */
function procStat(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Every process below `pid`, read from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(procStat(entry)[1]);
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

/**
 * Whether `pid` still runs. A zombie does not: a process whose parent was killed is handed
 * to PID 1, and where that init does not reap (as on some CI machines) it lingers as a
 * zombie that `kill(pid, 0)` still finds.
 */
const alive = (pid: number) => {
  try {
    return !['Z', 'X'].includes(procStat(pid)[0]!);
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

/** A process hosting the local runtime, once it says where it runs, with every process below it. */
async function startRuntimeProcess(command: string | string[], dataDir = mkdtempSync(join(tmpdir(), 'junction-lifecycle-'))) {
  const [program, ...args] = typeof command === 'string' ? [process.execPath, '--import', 'tsx', command] : command;
  const child = spawn(program!, args, {
    cwd: root,
    env: { ...process.env, PORT: '0', JUNCTION_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(async () => expect(output).toMatch(/running at (http:\/\/\S+)/), { timeoutMs: 60_000, what: String(command) });
  const url = /running at (http:\/\/\S+)/.exec(output)![1]!;
  const processes = descendants(child.pid!);
  expect(processes.length).toBeGreaterThan(0);
  return {
    child,
    url,
    dataDir,
    processes,
    key: () => /dev API key[^:]*: (jh_\S+)/.exec(output)![1]!,
    exited,
    /** Every process it started has gone, and its port is free. */
    async leftNothing() {
      try {
        // Helpers such as tsx's esbuild service leave when their parent's pipe closes: give them a moment.
        await waitFor(async () => expect(processes.filter(alive)).toEqual([]), { timeoutMs: 5000, what: 'children to exit' });
        expect(await portOpen(Number(new URL(url).port))).toBe(false);
      } finally {
        // Whatever was left behind goes now, so that a failure does not hold the test run open.
        for (const pid of processes.filter(alive)) process.kill(pid, 'SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

it('stops everything, Java included, on SIGTERM with requests in flight', async () => {
  const runtime = await startRuntimeProcess('infra/local/main.ts');
  const inFlight = Array.from({ length: 20 }, () =>
    fetch(`${runtime.url}/v1/api-keys`, { headers: { authorization: `Bearer ${runtime.key()}` } }).then(
      (r) => r.status,
      () => 'dropped',
    ),
  );
  runtime.child.kill('SIGTERM');
  expect(await runtime.exited).toBe(0);
  await Promise.all(inFlight);
  await runtime.leftNothing();
});

it.each([
  ['SIGINT', 'Ctrl-C'],
  ['SIGHUP', 'its terminal closed'],
] as const)('stops everything on %s (%s)', async (signal, _why) => {
  const runtime = await startRuntimeProcess('infra/local/main.ts');
  runtime.child.kill(signal);
  expect(await runtime.exited).toBe(0);
  await runtime.leftNothing();
});

it('stops everything when npm start itself is sent SIGTERM, as a process manager stops it', async () => {
  // npm passes the signal to the script's process; the script execs node, so that is Junction.
  const runtime = await startRuntimeProcess(['npm', 'start', '--silent']);
  runtime.child.kill('SIGTERM');
  await runtime.exited;
  await runtime.leftNothing();
});

it('takes Java down with it when the process hosting the runtime crashes', async () => {
  const runtime = await startRuntimeProcess('tests/fixtures/crashing-runtime.ts');
  runtime.child.stdin.write('crash\n');
  expect(await runtime.exited).toBe(1);
  await runtime.leftNothing();
});

it('ends, at the next start on the same data directory, the JVM that a kill -9 left running', async () => {
  const killed = await startRuntimeProcess('infra/local/main.ts');
  const java = killed.processes.filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal.jar'));
  expect(java).toHaveLength(1);
  killed.child.kill('SIGKILL');
  await killed.exited;
  expect(alive(java[0]!)).toBe(true);

  const next = await startRuntimeProcess('infra/local/main.ts', killed.dataDir);
  try {
    expect(alive(java[0]!)).toBe(false);
  } finally {
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    await next.leftNothing();
    await killed.leftNothing();
  }
});

/**
 * Starts the runtime where it must fail (on a fresh data directory unless given one): its
 * exit code, what it said, and the processes still running on that data directory.
 */
async function failedStart(env: Record<string, string>, given?: string) {
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'junction-lifecycle-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', JUNCTION_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    const javaOnDataDir = readdirSync('/proc').filter((pid) => {
      try {
        return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    });
    return { code, output: output.trim(), javaOnDataDir };
  } finally {
    if (!given) rmSync(dataDir, { recursive: true, force: true });
  }
}

it('refuses a second runtime on a data directory that a running one serves, and leaves the first serving', async () => {
  const first = await startRuntimeProcess('infra/local/main.ts');
  try {
    const second = await failedStart({}, first.dataDir);
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`already serves ${first.dataDir}`);
    expect((await fetch(`${first.url}/v1/api-keys`, { headers: { authorization: `Bearer ${first.key()}` } })).status).toBe(200);
  } finally {
    first.child.kill('SIGTERM');
    await first.exited;
    await first.leftNothing();
  }
});

it('says which port is taken when PORT is, and leaves no Java behind', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    expect(await failedStart({ PORT: String(port) })).toEqual({
      code: 1,
      output: `npm start cannot start: port ${port} is already in use: set PORT to a free one`,
      javaOnDataDir: [],
    });
  } finally {
    taken.close();
  }
});

const keyRule = 'LOCAL_API_KEY must start with "jh_", be 20 to 512 characters long and have no spaces';
it.each([
  ['PORT', 'abc', 'abc', 'PORT: must be a port number, 0–65535'],
  ['PORT', '70000', '70000', 'PORT: must be a port number, 0–65535'],
  ['LOCAL_API_KEY', 'too short', 'short', keyRule],
  ['LOCAL_API_KEY', 'longer than the authorizer reads', `jh_${'a'.repeat(600)}`, keyRule],
])('names a malformed %s (%s) in one line instead of a stack trace', async (name, _what, value, message) => {
  const { code, output } = await failedStart({ [name]: value });
  expect({ code, output }).toEqual({ code: 1, output: `npm start cannot start: ${message}` });
});
