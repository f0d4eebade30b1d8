import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultTimeoutSeconds, type Declaration } from '../declaration';

/**
 * Runs the declared functions in this process, as Lambda would: the entry module is
 * loaded once (its cold start), each call gets a Lambda context, and a call that outlives
 * the declared timeout fails the way a timed-out invocation does.
 */
export interface FunctionHost {
  invoke(name: string, event: unknown): Promise<unknown>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A function whose module has loaded, with what every one of its contexts shares. */
interface Loaded {
  name: string;
  handler: Handler;
  timeoutMs: number;
  invokedFunctionArn: string;
  logGroupName: string;
  /** Its invocations in the order they started, which is also the order of their deadlines. */
  running: Invocation[];
  /** Where the unsettled ones begin in `running`. */
  first: number;
  /** Armed, whenever an invocation runs, no later than the first deadline; unref'd when idle. */
  watchdog: NodeJS.Timeout | undefined;
}

interface Invocation {
  deadline: number;
  settled: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createFunctionHost(declaration: Declaration, root: string): FunctionHost {
  const loading = new Map<string, Promise<Loaded>>();
  /** Functions past their cold start: invoked without waiting on the import again. */
  const ready = new Map<string, Loaded>();

  function load(name: string): Promise<Loaded> {
    let pending = loading.get(name);
    if (!pending) {
      const declared = declaration.functions[name];
      if (!declared) return Promise.reject(new Error(`no function named ${name}`));
      pending = import(pathToFileURL(resolve(root, declared.entry)).href).then((module) => {
        if (typeof module.handler !== 'function') throw new Error(`${declared.entry} exports no handler`);
        const loaded: Loaded = {
          name,
          handler: module.handler as Handler,
          timeoutMs: (declared.timeoutSeconds ?? defaultTimeoutSeconds) * 1000,
          invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
          logGroupName: `/aws/lambda/${name}`,
          running: [],
          first: 0,
          watchdog: undefined,
        };
        ready.set(name, loaded);
        return loaded;
      });
      loading.set(name, pending);
    }
    return pending;
  }

  return {
    invoke(name, event) {
      const loaded = ready.get(name);
      return loaded ? call(loaded, event) : load(name).then((first) => call(first, event));
    },
  };
}

/**
 * One invocation: the handler's answer, or the timeout's failure if that comes first.
 * Every invocation of a function has the same timeout, so deadlines come in the order
 * invocations start: one watchdog timer per function, set for the earliest deadline,
 * does for all of them what a timer each would (no timer made and cleared per call).
 */
function call(fn: Loaded, event: unknown): Promise<unknown> {
  const deadline = Date.now() + fn.timeoutMs;
  const context = lambdaContext(fn, deadline);
  return new Promise((resolve, reject) => {
    const invocation: Invocation = { deadline, settled: false, resolve, reject };
    if (fn.first === fn.running.length) {
      // The first one in flight: the watchdog wakes up (or is made) for it.
      if (fn.watchdog) fn.watchdog.ref();
      else fn.watchdog = setTimeout(watch, fn.timeoutMs, fn);
    }
    fn.running.push(invocation);
    let answer: unknown;
    try {
      answer = fn.handler(event, context);
    } catch (error) {
      return failed(fn, invocation, error);
    }
    Promise.resolve(answer).then(
      (value) => succeeded(fn, invocation, value),
      (error: unknown) => failed(fn, invocation, error),
    );
  });
}

function succeeded(fn: Loaded, invocation: Invocation, value: unknown) {
  // A handler that answers after its timeout failed the invocation is not heard.
  if (invocation.settled) return;
  settle(fn, invocation);
  invocation.resolve(value);
}

function failed(fn: Loaded, invocation: Invocation, error: unknown) {
  if (invocation.settled) return;
  settle(fn, invocation);
  process.stderr.write(`${fn.name} failed: ${(error as Error).message}\n`);
  invocation.reject(error);
}

function settle(fn: Loaded, invocation: Invocation) {
  invocation.settled = true;
  const running = fn.running;
  while (fn.first < running.length && running[fn.first]!.settled) fn.first++;
  if (fn.first === running.length) {
    running.length = 0;
    fn.first = 0;
    // Nothing left to watch: an idle function does not keep the process alive.
    fn.watchdog?.unref();
  } else if (fn.first >= 1024 && fn.first * 2 >= running.length) {
    running.splice(0, fn.first);
    fn.first = 0;
  }
}

/** The watchdog: fails every invocation past its deadline, then waits for the next one. */
function watch(fn: Loaded) {
  fn.watchdog = undefined;
  const now = Date.now();
  while (fn.first < fn.running.length) {
    const invocation = fn.running[fn.first]!;
    if (!invocation.settled) {
      if (invocation.deadline > now) break;
      failed(fn, invocation, new Error(`${fn.name}: Task timed out after ${fn.timeoutMs / 1000} seconds`));
    } else {
      settle(fn, invocation);
    }
  }
  if (fn.first < fn.running.length) {
    fn.watchdog = setTimeout(watch, fn.running[fn.first]!.deadline - now, fn);
  }
}

const noop = () => undefined;

function lambdaContext(fn: Loaded, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.invokedFunctionArn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: fn.logGroupName,
    logStreamName: 'local',
    getRemainingTimeInMillis: remainingTime(deadline),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

/** Made by a factory rather than inline, so it costs one closure per invocation and nothing more. */
function remainingTime(deadline: number): () => number {
  return () => Math.max(0, deadline - Date.now());
}
