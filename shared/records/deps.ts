import * as z from 'zod';
import { connectionStore } from '../connections/store';
import { dynamo, s3 } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import type { RecordDeps } from './service';
import { recordStore } from './store';

/** The records table and the bucket its oversized payloads live in, as this container's environment names them. */
export const recordStoreOf = once(() => {
  const table = resourceEnv.table('records');
  const config = readConfig('records', z.object({ [table]: z.string().min(1), [resourceEnv.bucket]: z.string().min(1) }));
  return recordStore({
    table: { db: dynamo(), table: config[table] as string },
    bucket: { s3: s3(), name: config[resourceEnv.bucket] as string },
  });
});

/** What reading records needs: the records store, and connections to check the caller owns one. */
export const recordDeps = once((): RecordDeps => ({ records: recordStoreOf(), connections: connectionStore(mainTable()) }));
