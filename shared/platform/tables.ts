import * as z from 'zod';
import { dynamo } from './aws';
import { once, readConfig } from './config';
import { resourceEnv } from './resource-env';

/** The main table, as the domain stores take it: a client and a name. */
export const mainTable = once(() => {
  const name = resourceEnv.table('main');
  const config = readConfig('main table', z.object({ [name]: z.string().min(1) }));
  return { db: dynamo(), table: config[name] as string };
});
