import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { goodBodies } from '../support/good-bodies';
import { root, startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * The `junction` CLI as a user runs it: the bin npm linked for the workspace, run by
 * Node's type stripping, against the local runtime.
 */
let runtime: TestRuntime;
let dir: string;
const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  runtime = await startTestRuntime();
  dir = await mkdtemp(join(tmpdir(), 'junction-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await runtime.stop();
});

/** Starts `junction ARGS`; `onStderr` sees stderr as it grows (to interrupt at the right moment). */
function junction(args: string[], onStderr?: (stderr: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(join(root, 'node_modules/.bin/junction'), args, {
    // The bin's `#!/usr/bin/env node` must find this Node 24, as npm scripts would.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, JUNCTION_URL: runtime.url, JUNCTION_API_KEY: runtime.apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    onStderr?.(stderr, child);
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function file(name: string, bytes: Buffer) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('junction upload', () => {
  it('uploads a file, printing a progress line per 10% when stderr is not a terminal, and the session as JSON', async () => {
    const bytes = randomBytes(7 * MiB);
    // One part at a time, so the lines come in a known order.
    const { code, stdout, stderr } = await junction(['upload', await file('notes.txt', bytes), '--content-type', 'text/plain', '--concurrency', '1']);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(JSON.parse(stdout)).toMatchObject({ filename: 'notes.txt', contentType: 'text/plain', status: 'completed', verified: true, sha256: sha256(bytes), partCount: 2 });
    expect(stderr).not.toContain('\r');
    expect(stderr).toMatch(/^0% 0 B of 7\.0 MiB, parts 0\/2, /m);
    expect(stderr).toMatch(/^71% 5\.0 MiB of 7\.0 MiB, parts 1\/2, [\d.]+ \w+\/s, ETA \d+ s$/m);
    expect(stderr).toMatch(/^100% 7\.0 MiB of 7\.0 MiB, parts 2\/2, /m);
    expect(stderr).toMatch(/^completed upl_\w+, verified: sent 2 parts \(0 already recorded\)$/m);
  });

  it('redraws one progress line with \\r when stderr is a terminal', async () => {
    const path = await file('terminal.bin', randomBytes(6 * MiB));
    // util-linux `script` runs the CLI on a pseudo-terminal and copies what it shows to stdout.
    const { stdout } = await new Promise<{ stdout: string }>((resolve) => {
      const child = spawn('script', ['-qec', `${join(root, 'node_modules/.bin/junction')} upload ${path} --concurrency 1`, '/dev/null'], {
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, JUNCTION_URL: runtime.url, JUNCTION_API_KEY: runtime.apiKey },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let shown = '';
      child.stdout.on('data', (chunk) => (shown += chunk));
      child.on('close', () => resolve({ stdout: shown }));
    });
    expect(stdout).toContain('\r0% 0 B of 6.0 MiB, parts 0/2, ');
    expect(stdout).toContain('\r83% 5.0 MiB of 6.0 MiB, parts 1/2, ');
    expect(stdout).toMatch(/\r100% 6\.0 MiB of 6\.0 MiB, parts 2\/2, [^\n]*\x1b\[K\r?\ncompleted upl_\w+, verified/);
  });

  it('stops on Ctrl-C leaving the session resumable, and --resume sends only the parts not recorded', async () => {
    const bytes = randomBytes(40 * MiB);
    const path = await file('large.bin', bytes);
    let interrupted = false;
    // Interrupt once the first part is recorded (parts 1/8 is 12%): seven parts still to go one at a time.
    const stopped = await junction(['upload', path, '--concurrency', '1'], (stderr, child) => {
      if (!interrupted && /parts [1-9]\/8/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    expect(stopped.code).toBe(130);
    const id = /resume with: junction upload --resume (upl_\w+) /.exec(stopped.stderr)?.[1];
    expect(stopped.stderr).toContain(`resume with: junction upload --resume ${id} ${path}\n`);
    const session = await (await runtime.call(`/v1/uploads/${id}`)).json();
    expect(session).toMatchObject({ status: 'active' });
    expect(session.partsDone).toBeGreaterThanOrEqual(1);
    expect(session.partsDone).toBeLessThan(8);

    const resumed = await junction(['upload', '--resume', id!, path]);
    expect({ code: resumed.code, stderr: resumed.stderr }).toMatchObject({ code: 0 });
    expect(resumed.stderr).toContain(`resuming ${id}: 8 parts, ${session.partsDone} already recorded\n`);
    expect(resumed.stderr).toContain(`sent ${8 - session.partsDone} parts (${session.partsDone} already recorded)\n`);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id, status: 'completed', verified: true, sha256: sha256(bytes), partsDone: 8 });
  });
});

describe('junction lists', () => {
  it('prints connections, a connection\'s syncs and uploads as JSON arrays', async () => {
    const connection = await (await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!() })).json();
    const connections = await junction(['connections', 'list']);
    expect(connections.code).toBe(0);
    expect(JSON.parse(connections.stdout).map((item: { id: string }) => item.id)).toContain(connection.id);

    const syncs = await junction(['syncs', 'list', connection.id]);
    expect({ code: syncs.code, syncs: JSON.parse(syncs.stdout) }).toEqual({ code: 0, syncs: [] });

    const upload = await (await runtime.call('/v1/uploads', { method: 'POST', json: { filename: 'listed.bin', size: 10, contentType: 'application/octet-stream' } })).json();
    const active = await junction(['uploads', 'list', '--status', 'active']);
    expect(active.code).toBe(0);
    expect(JSON.parse(active.stdout).map((item: { id: string }) => item.id)).toContain(upload.id);
    const cancelled = await junction(['uploads', 'list', '--status', 'cancelled']);
    expect(JSON.parse(cancelled.stdout).map((item: { id: string }) => item.id)).not.toContain(upload.id);
  });

  it('answers a missing connection with its 404 and exit code 1, and an unknown command with the usage and 2', async () => {
    const missing = await junction(['syncs', 'list', 'con_00000000000000000000000000']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^junction: 40\d /);
    const unknown = await junction(['records', 'list']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toContain('usage:');
  });
});
