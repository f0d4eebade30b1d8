import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { defaultMemoryMb, defaultTimeoutSeconds, type Declaration } from '../declaration';
import { functionBundle } from './function-bundles';
import type { LogSink } from './logs';

/**
 * Runs the declared functions as Lambda would, each in its own container: a worker thread
 * with its own module graph and its own environment, holding exactly the variables that
 * function is given (see runtime.ts), so module-level configuration cached by one function
 * can never serve another, and a function that forgets to declare a resource fails here as
 * it would in AWS. A container starts on its function's first invocation (its cold start),
 * then serves every later one, many at once, as a Lambda environment with multi-concurrency
 * does (each in its own InvokeStore context, see function-container.ts). An invocation that
 * outlives the declared timeout fails the way a timed-out invocation does; a container
 * that fails to load or crashes fails what it was running, and the next invocation starts
 * a new one.
 *
 * The price, measured here (Node 24, 2 cores): each container loads its own copy of the
 * AWS SDK and the rest of its code, where in one shared process only the first function
 * paid that. From its bundle (function-bundles.ts) a container is ready in ~0.2 s and
 * holds ~35 MB; through tsx, module by module, it took 0.65 to 1 s and ~50 MB. Each
 * invocation crosses threads: ~0.25 ms more per request through the gateway.
 */
export interface FunctionHost {
  invoke(name: string, event: unknown): Promise<unknown>;
}

export interface RunningFunctionHost extends FunctionHost {
  /**
   * Ends a function's running container at once, as Lambda ends one that crashes, runs out
   * of memory or times out: what it was running fails (a consumer's SQS batch stays on its
   * queue and comes back after the visibility timeout), and the next invocation starts a
   * new container. For tests of what survives a dead container.
   */
  killContainer(name: string): Promise<void>;
  /** Ends every container; what they were running fails. */
  stop(): Promise<void>;
}

/** What a container is started with (its `workerData`). */
export interface ContainerData {
  name: string;
  /** The function's bundle (function-bundles.ts). */
  bundle: string;
  /** The entry as declared, for messages. */
  entry: string;
  memoryMb: number;
}

export type ToContainer = { type: 'invoke'; id: number; event: string; requestId: string; deadline: number };

/** A thrown error, in the fields Lambda reports it with. */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  stack?: string;
}

export type FromContainer =
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'ready' }
  | { type: 'failed'; error: FunctionError }
  | { type: 'answer'; id: number; payload: string | undefined }
  | { type: 'error'; id: number; error: FunctionError };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

interface Container {
  /** Once its function is bundled. */
  worker?: Worker;
  /** Settles when the function has loaded (or failed to). */
  ready: Promise<void>;
  /** Past its cold start: invoked without waiting on `ready`. */
  warm: boolean;
  /** Invocations sent and not yet answered. */
  running: Map<number, Pending>;
}

const workerEntry = new URL('./function-worker.mjs', import.meta.url);

export function createFunctionHost(options: {
  declaration: Declaration;
  /** Repo root: function entries are relative to it. */
  root: string;
  /** The environment of a function's container, worked out when the container starts. */
  env(name: string): Record<string, string>;
  log: LogSink;
}): RunningFunctionHost {
  const { declaration, log } = options;
  const containers = new Map<string, Container>();
  let nextId = 0;
  let stopped = false;

  function start(name: string): Container {
    const container: Container = { ready: Promise.resolve(), warm: false, running: new Map() };
    container.ready = functionBundle(options.root, declaration.functions[name]!.entry).then((bundle) => spawn(name, container, bundle));
    // A failed start is retried by the next invocation (the waiting ones fail with it).
    container.ready.catch(() => {
      if (containers.get(name) === container) containers.delete(name);
    });
    containers.set(name, container);
    return container;
  }

  /** The container's worker, from the function's bundle; settles once the bundle has loaded in it. */
  function spawn(name: string, container: Container, bundle: string): Promise<void> {
    if (stopped) throw new Error(`${name}: the local runtime has stopped`);
    const declared = declaration.functions[name]!;
    const memoryMb = declared.memoryMb ?? defaultMemoryMb;
    const data: ContainerData = { name, bundle, entry: declared.entry, memoryMb };
    const worker = new Worker(workerEntry, {
      name,
      workerData: data,
      env: options.env(name),
      // The host's own flags (jest's, or `--import tsx`) are not the function's: the
      // worker entry loads what it needs itself.
      execArgv: [],
      // Whatever bypasses the container's own capture of stdout and stderr is kept too.
      stdout: true,
      stderr: true,
      // A function that outgrows its declared memory fails, as in Lambda (roughly: Lambda
      // counts the whole process, this only the JavaScript heap).
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
    });
    // A container keeps nothing alive: the runtime's servers do, until `stop`.
    worker.unref();
    container.worker = worker;
    const { running } = container;
    let loaded!: () => void;
    let failed!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      loaded = resolve;
      failed = reject;
    });

    /** The container is gone: what it ran fails, and the next invocation starts another. */
    const end = (error: Error) => {
      if (containers.get(name) === container) containers.delete(name);
      failed(error);
      for (const [id, pending] of running) {
        running.delete(id);
        clearTimeout(pending.timer);
        pending.reject(error);
      }
    };

    worker.on('message', (message: FromContainer) => {
      switch (message.type) {
        case 'log':
          log({ source: name, stream: message.stream, text: message.text });
          return;
        case 'ready':
          container.warm = true;
          loaded();
          return;
        case 'failed':
          end(errorOf(message.error));
          return;
        case 'answer':
        case 'error': {
          const pending = running.get(message.id);
          // Answered after its timeout: nobody is listening any more.
          if (!pending) return;
          running.delete(message.id);
          clearTimeout(pending.timer);
          if (message.type === 'answer') pending.resolve(message.payload === undefined ? null : JSON.parse(message.payload));
          else pending.reject(errorOf(message.error));
        }
      }
    });
    worker.on('error', (error) => end(error));
    worker.on('exit', (code) => end(new Error(`${name}: the container exited (code ${code})`)));
    worker.stdout.on('data', (chunk: Buffer) => log({ source: name, stream: 'stdout', text: chunk.toString() }));
    worker.stderr.on('data', (chunk: Buffer) => log({ source: name, stream: 'stderr', text: chunk.toString() }));
    return ready;
  }

  function send(name: string, container: Container, event: unknown): Promise<unknown> {
    const declared = declaration.functions[name]!;
    const timeoutMs = (declared.timeoutSeconds ?? defaultTimeoutSeconds) * 1000;
    const id = nextId++;
    const requestId = randomUUID();
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      container.running.set(id, pending);
      pending.timer = setTimeout(() => {
        container.running.delete(id);
        reject(new Error(`${name}: Task timed out after ${timeoutMs / 1000} seconds`));
      }, timeoutMs);
      const message: ToContainer = { type: 'invoke', id, event: JSON.stringify(event), requestId, deadline: Date.now() + timeoutMs };
      container.worker!.postMessage(message);
    });
  }

  return {
    invoke(name, event) {
      if (stopped) return Promise.reject(new Error(`${name}: the local runtime has stopped`));
      if (!Object.hasOwn(declaration.functions, name)) return Promise.reject(new Error(`no function named ${name}`));
      const container = containers.get(name) ?? start(name);
      const answer = container.warm ? send(name, container, event) : container.ready.then(() => send(name, container, event));
      return answer.catch((error: unknown) => {
        log({ source: name, stream: 'stderr', text: `${name} failed: ${(error as Error).message}\n` });
        throw error;
      });
    },
    async killContainer(name) {
      const worker = containers.get(name)?.worker;
      if (!worker) throw new Error(`${name} has no running container to kill`);
      // The worker's 'exit' fails what it was running (see `end` in spawn).
      await worker.terminate();
    },
    async stop() {
      stopped = true;
      const ending = [...containers.values()];
      containers.clear();
      await Promise.all(ending.map((container) => container.worker?.terminate()));
    },
  };
}

function errorOf(reported: FunctionError): Error {
  const error = new Error(reported.errorMessage);
  error.name = reported.errorType;
  if (reported.stack) error.stack = reported.stack;
  return error;
}
