import { InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { ContainerData, FromContainer, FunctionError, ToContainer } from './functions';
import { scopedInvokeStore } from './invoke-store';

/**
 * One function's container, inside its worker thread (see functions.ts): what Lambda's
 * runtime does in an execution environment. It loads the function's bundle once (the
 * cold start, see function-bundles.ts), then runs each invocation it is sent with a Lambda
 * context, in its own InvokeStore context, many at once. Events and answers cross as
 * JSON, as they do in Lambda, so an answer JSON cannot carry (a Date, `undefined`)
 * arrives as Lambda would deliver it.
 */
const port = parentPort!;
const data = workerData as ContainerData;
const post = (message: FromContainer) => port.postMessage(message);

// What the function writes goes to the host on the same port as its answers, so an answer
// never arrives before the lines logged on the way to it.
for (const stream of ['stdout', 'stderr'] as const) {
  process[stream].write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void), done?: () => void) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
    post({ type: 'log', stream, text });
    (typeof encoding === 'function' ? encoding : done)?.();
    return true;
  }) as typeof process.stdout.write;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

// AWS_LAMBDA_MAX_CONCURRENCY is in this container's environment from the start, so the
// store exists before the function's loggers are built, as Lambda's runtime arranges.
const store = await scopedInvokeStore();
const handler = await loadHandler().catch((error: unknown) => {
  // A failed init: the host fails the waiting invocations and the next one starts a new
  // container, as Lambda does. With nothing listening, this thread ends.
  post({ type: 'failed', error: functionError(error) });
  return undefined;
});
if (handler) {
  port.on('message', (message: ToContainer) => {
    const context = lambdaContext(message.requestId, message.deadline);
    const scope = { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: message.requestId };
    new Promise((run) => run(store.run(scope, () => handler(JSON.parse(message.event), context))))
      .then((value) => post({ type: 'answer', id: message.id, payload: JSON.stringify(value) }))
      .catch((error: unknown) => post({ type: 'error', id: message.id, error: functionError(error) }));
  });
  post({ type: 'ready' });
}

async function loadHandler(): Promise<Handler> {
  const module = createRequire(import.meta.url)(data.bundle) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${data.entry} exports no handler`);
  return module.handler as Handler;
}

/** A thrown value as Lambda reports it. */
function functionError(error: unknown): FunctionError {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, stack: error.stack }
    : { errorType: 'Error', errorMessage: String(error) };
}

const noop = () => undefined;

function lambdaContext(awsRequestId: string, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: data.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${data.name}`,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${data.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}
