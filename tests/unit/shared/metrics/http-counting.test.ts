import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import type { Tally } from '../../../../shared/metrics/tally';
import { defineContract } from '../../../../shared/platform/contract';
import { Invalid, NotFound } from '../../../../shared/platform/errors';
import { createHttp, flushHoldMs, type HttpEvent } from '../../../../shared/platform/http';

/** How the HTTP wrapper counts requests into the tally and when it flushes it. */
function recordingTally() {
  const counts: unknown[][] = [];
  const failures: unknown[][] = [];
  let flushed = 0;
  let held = 0;
  const tally: Tally = {
    count: (...args) => {
      counts.push(args);
      held += 1;
    },
    fail: (...args) => void failures.push(args),
    flush: async () => {
      flushed += held;
      held = 0;
    },
  };
  return { tally, counts, failures, flushed: () => flushed };
}

const contract = defineContract({
  summary: 'test',
  tag: 'test',
  scope: 'read',
  path: z.strictObject({ id: z.string() }),
  responses: { 200: { description: 'ok' } },
});

function handlerWith(tally: Tally) {
  return createHttp({
    admit: async () => ({ limit: 100, remaining: 99, resetSeconds: 30 }),
    recordRefusal: async () => {},
    idempotency: { claim: async () => ({ state: 'claimed' }), complete: async () => {}, release: async () => {} },
    tally,
  })(contract, async ({ path }) => {
    if (path.id === 'invalid') throw new Invalid('nope: Bearer abc', [{ field: 'path.id', message: 'bad' }]);
    if (path.id === 'missing') throw new NotFound('no such thing');
    if (path.id === 'bug') throw new Error('a bug with secret sk_live_123');
    return { status: 200, body: {} };
  });
}

const event = (id: string) =>
  ({
    version: '2.0',
    routeKey: 'GET /v1/things/{id}',
    rawPath: `/v1/things/${id}`,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    pathParameters: { id },
    requestContext: { requestId: 'req-1', http: { method: 'GET', path: `/v1/things/${id}` }, authorizer: { lambda: { tenantId: 'ten_a', keyId: 'key_1', scopes: 'read' } } },
  }) as unknown as HttpEvent;
const context = { awsRequestId: 'aws-1', getRemainingTimeInMillis: () => 30_000 } as Context;

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
});
afterEach(() => jest.useRealTimers());

describe('the wrapper counting requests', () => {
  it('counts by route key (not the raw path), status class and latency', async () => {
    const { tally, counts } = recordingTally();
    const handler = handlerWith(tally);
    await handler(event('thing_1'), context);
    await handler(event('invalid'), context);
    await handler(event('bug'), context);
    expect(counts.map(([tenant, family, dims, counters]) => [tenant, family, dims, counters])).toEqual([
      ['ten_a', 'api', { route: 'GET /v1/things/{id}' }, { requests: 1, client_errors: 0, server_errors: 0 }],
      ['ten_a', 'api', { route: 'GET /v1/things/{id}' }, { requests: 1, client_errors: 1, server_errors: 0 }],
      ['ten_a', 'api', { route: 'GET /v1/things/{id}' }, { requests: 1, client_errors: 0, server_errors: 1 }],
    ]);
    expect(counts[0]![4]).toEqual(expect.any(Number));
  });

  it('groups 5xx and validation refusals by route with the problem title, never the detail; not a 404', async () => {
    const { tally, failures } = recordingTally();
    const handler = handlerWith(tally);
    await handler(event('invalid'), context);
    await handler(event('missing'), context);
    await handler(event('bug'), context);
    expect(failures).toEqual([
      ['ten_a', { kind: 'api.invalid-request', route: 'GET /v1/things/{id}' }, 'The request is not valid'],
      ['ten_a', { kind: 'api.server_error', route: 'GET /v1/things/{id}' }, 'Internal error'],
    ]);
  });

  it('flushes before answering a request that came to an idle container', async () => {
    const { tally, flushed } = recordingTally();
    const handler = handlerWith(tally);
    await handler(event('thing_1'), context);
    expect(flushed()).toBe(1);
    jest.advanceTimersByTime(flushHoldMs);
    await handler(event('thing_2'), context);
    expect(flushed()).toBe(2);
  });

  it('in a burst, holds the counts and flushes them at the start of the first request past the hold', async () => {
    const { tally, flushed } = recordingTally();
    const handler = handlerWith(tally);
    await handler(event('thing_1'), context);
    for (let i = 0; i < 5; i++) {
      jest.advanceTimersByTime(10);
      await handler(event(`burst_${i}`), context);
    }
    expect(flushed()).toBe(1);
    // The first held count was made at 10 ms; this request starts at 1010 ms, 960 ms after the last ended.
    jest.advanceTimersByTime(flushHoldMs - 40);
    await handler(event('late'), context);
    // The five held counts went out as this request started; its own count waits.
    expect(flushed()).toBe(6);
  });
});
