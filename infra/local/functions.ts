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


export function createFunctionHost(declaration: Declaration, root: string): FunctionHost {
  const loaded = new Map<string, Promise<Handler>>();

  function load(name: string): Promise<Handler> {
    let handler = loaded.get(name);
    if (!handler) {
      const declared = declaration.functions[name];
      if (!declared) throw new Error(`no function named ${name}`);
      handler = import(pathToFileURL(resolve(root, declared.entry)).href).then((module) => {
        if (typeof module.handler !== 'function') throw new Error(`${declared.entry} exports no handler`);
        return module.handler as Handler;
      });
      loaded.set(name, handler);
    }
    return handler;
  }

  return {
    async invoke(name, event) {
      const handler = await load(name);
      const timeoutMs = (declaration.functions[name]!.timeoutSeconds ?? defaultTimeoutSeconds) * 1000;
      const deadline = Date.now() + timeoutMs;
      const context = lambdaContext(name, deadline);
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          handler(event, context),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${name}: Task timed out after ${timeoutMs / 1000} seconds`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        process.stderr.write(`${name} failed: ${(error as Error).message}\n`);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function lambdaContext(name: string, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
