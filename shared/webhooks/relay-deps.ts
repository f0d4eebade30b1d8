import * as z from 'zod';
import { once, readConfig } from '../platform/config';
import { sendMessages } from '../platform/queue';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import type { RelayDeps } from './relay';
import { webhookEndpointStore } from './store';

/** The relay's dependencies in a Lambda container: the endpoints in the main table and the `deliveries` queue. */
export const relayDeps = once((): RelayDeps => {
  const variable = resourceEnv.queue('deliveries');
  const queueUrl = readConfig('webhook relay', z.object({ [variable]: z.string().min(1) }))[variable] as string;
  return {
    store: webhookEndpointStore(mainTable()),
    send: (messages) => sendMessages(queueUrl, messages.map((body) => ({ body }))),
  };
});
