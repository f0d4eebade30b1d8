import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/**
 * The process's InvokeStore. One local process runs many invocations at once, as a Lambda
 * environment with multi-concurrency does; `AWS_LAMBDA_MAX_CONCURRENCY` says so, both to
 * the store (one AsyncLocalStorage context per invocation) and to Powertools, which then
 * keeps per-invocation state (the logger's request keys) in that context.
 *
 * The runtime sets the variable when it starts, before any AWS SDK call (the SDK creates
 * the store on first use, and one made without the variable shares one context between
 * all invocations: `scopedInvokeStore` refuses it). It is not for a shell to set: with it
 * set from the very start, Powertools expects a store to exist already when its loggers
 * and metrics are built at module load, as Lambda's own runtime arranges.
 */
export type Store = Awaited<ReturnType<typeof InvokeStore.getInstanceAsync>>;

/** What the process says it hosts at once; nothing here limits it (Lambda's default account concurrency). */
const localConcurrency = 1000;
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

