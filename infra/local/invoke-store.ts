import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/**
 * A function container's InvokeStore. One container runs many invocations at once, as a
 * Lambda environment with multi-concurrency does; `AWS_LAMBDA_MAX_CONCURRENCY` says so,
 * both to the store (one AsyncLocalStorage context per invocation) and to Powertools,
 * which then keeps per-invocation state (the logger's request keys) in that context.
 *
 * The runtime puts the variable in each container's environment (runtime.ts), and the
 * container makes the store before it loads the function (function-container.ts): with
 * the variable set, Powertools expects a store to exist already when its loggers and
 * metrics are built at module load, as Lambda's own runtime arranges. A store made without
 * the variable shares one context between all invocations: `scopedInvokeStore` refuses it.
 */
export type Store = Awaited<ReturnType<typeof InvokeStore.getInstanceAsync>>;

/** What a container says it hosts at once; nothing here limits it (Lambda's default account concurrency). */
export const localConcurrency = 1000;
/**
 * The process's InvokeStore, checked to keep each invocation's context apart: one created
 * before AWS_LAMBDA_MAX_CONCURRENCY was set shares a single context between all of them.
 */
export async function scopedInvokeStore(): Promise<Store> {
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= String(localConcurrency);
  const store = await InvokeStore.getInstanceAsync(true);
  const requestId = InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID;
  const first = store.run({ [requestId]: 'first' }, async () => {
    await new Promise(setImmediate);
    return store.getRequestId();
  });
  await store.run({ [requestId]: 'second' }, async () => store.getRequestId());
  if ((await first) !== 'first') {
    throw new Error('the InvokeStore shares one context between invocations: it was created before AWS_LAMBDA_MAX_CONCURRENCY was set');
  }
  return store;
}

