import type { Context } from 'aws-lambda';
import * as z from 'zod';
import type { LocalRuntime } from '../../infra/local/runtime';
import { createTally, noTally } from '../../shared/metrics/tally';
import { defineContract } from '../../shared/platform/contract';
import { createDynamoDb } from '../../shared/platform/dynamodb';
import { createHttp, type HttpDependencies, type HttpEvent } from '../../shared/platform/http';
import { resourceEnv } from '../../shared/platform/resource-env';
import { median } from './measure';

/**
 * The `metrics` section's measurement (run.ts turns it into rows): what counting costs a
 * request. One GET route (a GetItem on the main table, as a typical read route does) run
 * through the one HTTP wrapper twice, built by `createHttp` with the same dependencies but
 * the tally: the real one (counts the request into the `api` family and flushes it to the
 * metrics table, one UpdateItem) against none. In this process, against the runtime's
 * DynamoDB Local, in alternating rounds after one to warm up; each side's DynamoDB
 * requests are counted by a middleware on its own client.
 *
 * Target: counters on ≤ 1.1× counters off at p50.
 */
export const metricsRounds = 10;
export const requestsPerRound = 50;

export interface MetricsFigures {
  /** Milliseconds per request, every request of every measured round. */
  on: number[];
  off: number[];
  ratioP50: number;
  /** DynamoDB requests per HTTP request, each side. */
  dynamoRequestsPerRequest: { on: number; off: number };
}

const contract = defineContract({
  summary: 'bench',
  tag: 'bench',
  scope: 'read',
  path: z.strictObject({ id: z.string() }),
  responses: { 200: { description: 'the item' } },
});

export async function measureMetrics(runtime: Pick<LocalRuntime, 'env' | 'dynamodbEndpoint'>): Promise<MetricsFigures> {
  const mainTable = runtime.env[resourceEnv.table('main')]!;
  const metricsTable = runtime.env[resourceEnv.table('metrics')]!;
  const side = (counting: boolean) => {
    const db = createDynamoDb({ endpoint: runtime.dynamodbEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    let requests = 0;
    db.middlewareStack.add((next) => (args) => ((requests += 1), next(args)), { step: 'initialize', name: 'countRequests' });
    const dependencies: HttpDependencies = {
      // The rate limit and idempotency are the same on both sides and not what is measured.
      admit: async () => ({ limit: 1000, remaining: 999, resetSeconds: 30 }),
      recordRefusal: async () => {},
      idempotency: { claim: async () => ({ state: 'claimed' }), complete: async () => {}, release: async () => {} },
      tally: counting ? createTally({ store: () => ({ db, table: metricsTable }) }) : noTally,
    };
    const handler = createHttp(dependencies)(contract, async ({ path }) => {
      const { Item } = await db.get({ TableName: mainTable, Key: { pk: 'TENANT#bench', sk: path.id } });
      return { status: 200, body: { found: Item !== undefined } };
    });
    return { handler, requests: () => requests, db };
  };
  const sides = { on: side(true), off: side(false) };
  const event = (i: number): HttpEvent =>
    ({
      version: '2.0',
      routeKey: 'GET /bench/{id}',
      rawPath: `/bench/item-${i}`,
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      pathParameters: { id: `item-${i}` },
      requestContext: { requestId: `req-${i}`, http: { method: 'GET', path: `/bench/item-${i}` }, authorizer: { lambda: { tenantId: 'bench', keyId: 'key_bench', scopes: 'read' } } },
    }) as unknown as HttpEvent;
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as Context;

  const figures = { on: [] as number[], off: [] as number[] };
  const counted = { on: 0, off: 0 };
  for (let round = 0; round <= metricsRounds; round++) {
    const order: Array<'on' | 'off'> = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const name of order) {
      const { handler, requests } = sides[name];
      const before = requests();
      for (let i = 0; i < requestsPerRound; i++) {
        const started = performance.now();
        const result = await handler(event(i), context);
        const took = performance.now() - started;
        if (result.statusCode !== 200) throw new Error(`the bench route answered ${result.statusCode}: ${result.body}`);
        if (round > 0) figures[name].push(took);
      }
      if (round > 0) counted[name] += requests() - before;
    }
  }
  sides.on.db.destroy();
  sides.off.db.destroy();
  const measured = metricsRounds * requestsPerRound;
  return {
    ...figures,
    ratioP50: median(figures.on) / median(figures.off),
    dynamoRequestsPerRequest: { on: counted.on / measured, off: counted.off / measured },
  };
}
