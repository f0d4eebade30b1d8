import type { LocalRuntime } from '../../infra/local/runtime';
import { sideBySide, type Driver } from './measure';

/**
 * The `overview` measurement (run.ts turns it into rows): `GET /v1/overview` through the
 * local gateway, sent by the load driver (its own process and core), beside one raw
 * GetItem of the item it starts from (the tenant's connection counts, read consistently as
 * the overview reads them) against the same DynamoDB Local; rounds in turn, after one to
 * warm up. The overview also reads the metrics totals (one Query) and the open alerts (two
 * COUNT queries), in parallel with the GetItem: the gap is those and the gateway's path.
 */
export interface OverviewBench {
  runtime: LocalRuntime;
  driver: Driver;
  origin: string;
  auth: Record<string, string>;
  call: (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;
}

export interface OverviewFigures {
  gateway: { p50: number; p99: number };
  getItem: { p50: number; p99: number };
}

/** Requests a side per round, and rounds. */
export const overviewPerRound = 200;
export const overviewRounds = 5;

export async function measureOverview({ runtime, driver, origin, auth, call }: OverviewBench, tenantId = 'local'): Promise<OverviewFigures> {
  // The first call counts the tenant's connections once (shared/connections/store.ts): not measured.
  const first = await call('/v1/overview');
  if (first.status !== 200) throw new Error(`GET /v1/overview: ${first.status} ${await first.text()}`);
  const table = runtime.env.MAIN_TABLE_NAME!;
  const [gateway, getItem] = await sideBySide(
    [
      async () => (await driver.run<{ samples: number[] }>({ kind: 'http', origin, path: '/v1/overview', method: 'GET', headers: auth, n: overviewPerRound })).samples,
      async () =>
        (
          await driver.run<{ samples: number[] }>({
            kind: 'dynamo-get',
            endpoint: runtime.dynamodbEndpoint,
            table,
            key: { pk: `TENANT#${tenantId}`, sk: 'COUNTS#CONNECTIONS' },
            consistent: true,
            n: overviewPerRound,
          })
        ).samples,
    ],
    overviewRounds,
  );
  return { gateway: gateway!, getItem: getItem! };
}
