import * as z from 'zod';
import { dynamo } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import type { DynamoDb } from '../platform/dynamodb';
import { resourceEnv } from '../platform/resource-env';

/** The metrics table as the tally, the rollup and the readers take it. */
export interface MetricsStore {
  db: DynamoDb;
  table: string;
}

export const metricsTable = once((): MetricsStore => {
  const name = resourceEnv.table('metrics');
  const config = readConfig('metrics table', z.object({ [name]: z.string().min(1) }));
  return { db: dynamo(), table: config[name] as string };
});
