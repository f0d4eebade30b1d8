import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Declaration } from '../../infra/declaration';
import { declaration as productDeclaration } from '../../infra/functions';
import { startLocal, type LocalRuntime } from '../../infra/local/runtime';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Test code reads bodies loosely; the assertions say what shape they expect. */
export type ApiResponse = Omit<Response, 'json'> & { json(): Promise<any> };

export interface TestRuntime extends LocalRuntime {
  /** fetch against the gateway, with the dev key unless `key: null` or another key. */
  call(path: string, init?: RequestInit & { key?: string | null; json?: unknown }): Promise<ApiResponse>;
  /** Moves the gateway's clock (authorizer cache) forward. */
  advance(ms: number): void;
  /** What the functions and the runtime log while `run` runs (a function's log lines stay in the runtime). */
  logsDuring<T>(run: () => Promise<T>): Promise<{ result: T; output: string }>;
}

/** The local runtime on the shared DynamoDB Local, with its own table prefix. */
export async function startTestRuntime(
  options: {
    declaration?: Declaration;
    /** Another way to the shared DynamoDB Local (a proxy in front of it). */
    dynamodbEndpoint?: string;
    /** Variables every function gets on top of its own (a stand-in's endpoint). */
    functionEnv?: Record<string, string>;
    /** Variables only the named function gets (two functions with different settings). */
    envByFunction?: Record<string, Record<string, string>>;
  } = {},
): Promise<TestRuntime> {
  let offset = 0;
  const runtime = await startLocal({
    declaration: options.declaration ?? productDeclaration,
    root,
    port: 0,
    dynamodbEndpoint: options.dynamodbEndpoint ?? process.env.TEST_DYNAMODB_ENDPOINT,
    prefix: `t${randomBytes(4).toString('hex')}`,
    now: () => Date.now() + offset,
    scheduleTimers: false,
    functionEnv: options.functionEnv,
    envByFunction: options.envByFunction,
  });
  return {
    ...runtime,
    advance: (ms) => {
      offset += ms;
    },
    async logsDuring(run) {
      const from = runtime.logs.length;
      const result = await run();
      return { result, output: runtime.logs.slice(from).map((line) => line.text).join('') };
    },
    async call(path, init = {}) {
      const { key = runtime.apiKey, json, headers, ...rest } = init;
      return fetch(`${runtime.url}${path}`, {
        ...rest,
        headers: {
          ...(key === null ? {} : { authorization: `Bearer ${key}` }),
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
          ...(headers as Record<string, string>),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    },
  };
}

/**
 * Everything this process writes to stdout/stderr while `run` runs, for code run here
 * (a local runtime's functions log into the runtime: `logsDuring`).
 */
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    const result = await run();
    return { result, output: chunks.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
