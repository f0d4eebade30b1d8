import { SendMessageCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { eventRetentionDays, eventStore } from '../events/store';
import { dynamo, sqs } from '../platform/aws';
import { admitThisSecond } from '../platform/rate-limit';
import { once, readConfig } from '../platform/config';
import { send } from '../platform/outbound';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import { lazyVault } from '../vault/default';
import { maxResponseBytes, type DeliveryDeps } from './delivery';
import { deliveryStore } from './delivery-store';
import { webhookEndpointStore } from './store';

/** Standard Webhooks asks for 15–30 s; the worker's own timeout (30 s) leaves room to record the attempt. */
const sendTimeoutMs = 15_000;

/** The delivery worker's dependencies in a Lambda container: the main table, the vault, the `deliveries` queue. */
export const deliveryDeps = once((): DeliveryDeps => {
  const variable = resourceEnv.queue('deliveries');
  const limitsVariable = resourceEnv.table('limits');
  const config = readConfig(
    'webhook delivery',
    z.object({
      // Not z.url(): fauxqs's queue URLs (local mode) are not all valid WHATWG URLs.
      [variable]: z.string().min(1),
      [limitsVariable]: z.string().min(1),
      /**
       * Seconds after each failed attempt (`5,300,1800`), replacing Svix's schedule: for
       * tests, which cannot wait 5 minutes. Unset in every deployment.
       */
      WEBHOOK_RETRY_SCHEDULE_SECONDS: z
        .string()
        .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated seconds')
        .optional(),
    }),
  );
  const queueUrl = config[variable] as string;
  const schedule = config.WEBHOOK_RETRY_SCHEDULE_SECONDS as string | undefined;
  const table = mainTable();
  return {
    deliveries: deliveryStore(table),
    endpoints: webhookEndpointStore(table),
    events: eventStore(table),
    vault: lazyVault,
    // One attempt per message: the schedule is the retry; redirects are never followed.
    post: (request) => send(request, { maxAttempts: 1, timeoutMs: sendTimeoutMs, maxBodyBytes: maxResponseBytes }),
    async enqueue(message, delaySeconds) {
      await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds }));
    },
    ...(schedule ? { scheduleMs: schedule.split(',').map((seconds) => Number(seconds) * 1000) } : {}),
    retentionDays: eventRetentionDays(),
    admit: (tenantId, endpointId, perSecond) =>
      admitThisSecond({ db: dynamo(), table: config[limitsVariable] as string }, `ENDPOINT#${tenantId}#${endpointId}`, perSecond),
  };
});

/** What the deliveries list needs: no vault, no queue. */
export const deliveryListDeps = once(() => {
  const table = mainTable();
  return { deliveries: deliveryStore(table), endpoints: webhookEndpointStore(table) };
});
