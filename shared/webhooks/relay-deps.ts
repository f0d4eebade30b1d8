import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { sqs } from '../platform/aws';
import { once, readConfig } from '../platform/config';
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
    async send(entries) {
      const { Failed = [] } = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map(({ id, message }) => ({ Id: id, MessageBody: JSON.stringify(message) })),
        }),
      );
      return Failed.map((failure) => failure.Id!);
    },
  };
});
