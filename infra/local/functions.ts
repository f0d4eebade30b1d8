import { InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultTimeoutSeconds, type Declaration } from '../declaration';
import type { Store } from './invoke-store';

/**
 * Runs the declared functions in this process, as Lambda would: the entry module is
 * loaded once (its cold start), each call gets a Lambda context, and a call that outlives
 * the declared timeout fails the way a timed-out invocation does.
 *
 * One process runs many invocations at once, as a Lambda environment with
 * multi-concurrency does, so the host does what Lambda's runtime does there: it runs each
 * invocation in its own InvokeStore context (see invoke-store.ts). Per-invocation state
 * kept there (the Powertools logger's request keys) cannot leak into another request.
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
}

export function createFunctionHost(declaration: Declaration, root: string, store: Store): FunctionHost {
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
      return loaded ? call(loaded, store, event) : load(name).then((first) => call(first, store, event));
    },
  };
}

/**
 * One invocation: the handler's answer, or the timeout's failure if that comes first (a
 * handler that answers after its timeout is not heard: the promise has settled).
 */
function call(fn: Loaded, store: Store, event: unknown): Promise<unknown> {
  const context = lambdaContext(fn, Date.now() + fn.timeoutMs);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${fn.name}: Task timed out after ${fn.timeoutMs / 1000} seconds`)), fn.timeoutMs);
    const settle = () => clearTimeout(timer);
    const scope = { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId };
    new Promise((run) => run(store.run(scope, () => fn.handler(event, context)))).then(
      (value) => (settle(), resolve(value)),
      (error: unknown) => (settle(), reject(error)),
    );
  }).catch((error: unknown) => {
    process.stderr.write(`${fn.name} failed: ${(error as Error).message}\n`);
    throw error;
  });
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
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}
