import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';

/**
 * The load driver: a separate process (pinned to its own core by run.ts) that takes one
 * job per stdin line and answers one JSON line. It issues both the requests through the
 * gateway and the raw DynamoDB calls they are compared with, so both pay the same client
 * costs. The raw calls go through the DynamoDB client the functions themselves use.
 */
export type Job =
  | { kind: 'http'; origin: string; path: string; method: string; headers: Record<string, string>; body?: string; n: number }
  | { kind: 'http-each'; origin: string; requests: Array<{ path: string; method: string; headers: Record<string, string>; body?: string }> }
  /** `consistent`: the read mode of the handler it stands beside. */
  | { kind: 'dynamo-get'; endpoint: string; table: string; key: Record<string, string>; consistent: boolean; n: number }
  | { kind: 'dynamo-transact'; endpoint: string; table: string; items: Array<Record<string, unknown>>; n: number }
  | { kind: 'load'; origin: string; path: string; headers: Record<string, string>; concurrency: number; durationMs: number };

const pools = new Map<string, Pool>();
const pool = (origin: string) => {
  let p = pools.get(origin);
  if (!p) {
    p = new Pool(origin, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
    pools.set(origin, p);
  }
  return p;
};

const clients = new Map<string, DynamoDb>();
const dynamo = (endpoint: string) => {
  let c = clients.get(endpoint);
  if (!c) {
    c = localDynamoDb(endpoint);
    clients.set(endpoint, c);
  }
  return c;
};

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function request(origin: string, r: { path: string; method: string; headers: Record<string, string>; body?: string }) {
  const response = await pool(origin).request({ path: r.path, method: r.method as 'GET', headers: r.headers, body: r.body });
  await response.body.dump();
  if (response.statusCode >= 500) throw new Error(`${r.method} ${r.path} answered ${response.statusCode}`);
  return response.statusCode;
}

async function run(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'http': {
      const samples: number[] = [];
      for (let i = 0; i < job.n; i++) samples.push(await timed(() => request(job.origin, job)));
      return { samples };
    }
    case 'http-each': {
      const samples: number[] = [];
      for (const r of job.requests) samples.push(await timed(() => request(job.origin, r)));
      return { samples };
    }
    case 'dynamo-get': {
      const samples: number[] = [];
      for (let i = 0; i < job.n; i++) {
        samples.push(await timed(() => dynamo(job.endpoint).get({ TableName: job.table, Key: job.key, ConsistentRead: job.consistent })));
      }
      return { samples };
    }
    case 'dynamo-transact': {
      const samples: number[] = [];
      for (let i = 0; i < job.n; i++) {
        // Fresh keys each time, like the creates they stand beside.
        const suffix = `${process.pid}-${Date.now()}-${i}`;
        const items = job.items.map((item) => ({ Put: { TableName: job.table, Item: { ...item, sk: `${item.sk}${suffix}` } } }));
        samples.push(await timed(() => dynamo(job.endpoint).transactWrite({ TransactItems: items })));
      }
      return { samples };
    }
    case 'load': {
      let requests = 0;
      const until = performance.now() + job.durationMs;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: job.concurrency }, async () => {
          while (performance.now() < until) {
            await request(job.origin, { path: job.path, method: 'GET', headers: job.headers });
            requests++;
          }
        }),
      );
      return { requests, seconds: (performance.now() - start) / 1000 };
    }
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  try {
    process.stdout.write(`${JSON.stringify({ ok: true, result: await run(JSON.parse(line) as Job) })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: (error as Error).message })}\n`);
  }
}
