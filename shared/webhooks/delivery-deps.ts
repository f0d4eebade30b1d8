import * as z from 'zod';
import { eventRetentionDays, eventStore } from '../events/store';
import { recordChange } from '../platform/audit';
import { dynamo } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import type { TableStore } from '../platform/items';
import { send } from '../platform/outbound';
import { sendAll } from '../platform/queue';
import { admitThisSecond } from '../platform/rate-limit';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import { lazyVault } from '../vault/default';
import { defaultDisableAfterMs, maxResponseBytes, type DeliveryDeps } from './delivery';
import type { Lane, QueueMessage } from './delivery-message';
import { deliveryStore } from './delivery-store';
import { webhookEndpointStore } from './store';

/** Standard Webhooks asks for 15–30 s; the worker's own timeout (30 s) leaves room to record the attempt. */
const sendTimeoutMs = 15_000;
const queues: Record<Lane, string> = { fresh: 'deliveries', retry: 'deliveryRetries' };

/**
 * Sends messages to the lanes this function declares; throws unless every one was sent,
 * so the caller's message comes back and tries again (the worker deduplicates).
 */
function enqueueTo(urls: Partial<Record<Lane, string>>): DeliveryDeps['enqueue'] {
  return async (messages: QueueMessage[], lane: Lane, delaySeconds = 0) => {
    const queueUrl = urls[lane];
    if (!queueUrl) throw new Error(`this function does not declare the ${queues[lane]} queue`);
    await sendAll(queueUrl, queues[lane], messages, delaySeconds);
  };
}

/** The queue URLs among `lanes` that this function's environment holds (a route declares only the fresh lane). */
function laneUrls(purpose: string, lanes: Lane[]): Partial<Record<Lane, string>> {
  const variables = lanes.map((lane) => [lane, resourceEnv.queue(queues[lane])] as const);
  // Not z.url(): fauxqs's queue URLs (local mode) are not all valid WHATWG URLs.
  const config = readConfig(purpose, z.object(Object.fromEntries(variables.map(([, variable]) => [variable, z.string().min(1)]))));
  return Object.fromEntries(variables.map(([lane, variable]) => [lane, config[variable] as string]));
}

/** One POST per attempt: the schedule is the retry; redirects are never followed. */
const postOnce: DeliveryDeps['post'] = (request) => send(request, { maxAttempts: 1, timeoutMs: sendTimeoutMs, maxBodyBytes: maxResponseBytes });

const auditTo = (table: TableStore): NonNullable<DeliveryDeps['recordChange']> => (audit, target, status) => recordChange(table, audit, target, status);

/** The delivery workers' dependencies in a Lambda container: the main table, the vault, both lanes. */
export const deliveryDeps = once((): DeliveryDeps => {
  const limitsVariable = resourceEnv.table('limits');
  const config = readConfig(
    'webhook delivery',
    z.object({
      [limitsVariable]: z.string().min(1),
      /**
       * Seconds after each failed attempt (`5,300,1800`), replacing Svix's schedule: for
       * tests, which cannot wait 5 minutes. Unset in every deployment.
       */
      WEBHOOK_RETRY_SCHEDULE_SECONDS: z
        .string()
        .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated seconds')
        .optional(),
      /** Days an endpoint may fail without a success before it is disabled (cdk.json `webhookDisableAfterDays`). */
      WEBHOOK_DISABLE_AFTER_DAYS: z.coerce.number().positive().optional(),
    }),
  );
  const schedule = config.WEBHOOK_RETRY_SCHEDULE_SECONDS as string | undefined;
  const disableAfterDays = config.WEBHOOK_DISABLE_AFTER_DAYS as number | undefined;
  const table = mainTable();
  return {
    deliveries: deliveryStore(table),
    endpoints: webhookEndpointStore(table),
    events: eventStore(table),
    vault: lazyVault,
    post: postOnce,
    enqueue: enqueueTo(laneUrls('webhook delivery', ['fresh', 'retry'])),
    ...(schedule ? { scheduleMs: schedule.split(',').map((seconds) => Number(seconds) * 1000) } : {}),
    retentionDays: eventRetentionDays(),
    disableAfterMs: disableAfterDays === undefined ? defaultDisableAfterMs : disableAfterDays * 86_400_000,
    admit: (tenantId, endpointId, perSecond) =>
      admitThisSecond({ db: dynamo(), table: config[limitsVariable] as string }, `ENDPOINT#${tenantId}#${endpointId}`, perSecond),
    recordChange: auditTo(table),
  };
});

/** The test route's: a worker's, without the queues (a test is one attempt, sent from the route). */
export const testDeliveryDeps = once((): Pick<DeliveryDeps, 'deliveries' | 'endpoints' | 'vault' | 'post' | 'retentionDays' | 'recordChange'> => {
  const table = mainTable();
  return {
    deliveries: deliveryStore(table),
    endpoints: webhookEndpointStore(table),
    vault: lazyVault,
    post: postOnce,
    retentionDays: eventRetentionDays(),
    recordChange: auditTo(table),
  };
});

/** What the retry and replay routes need: the stores and the fresh lane, no vault. */
export const deliveryRouteDeps = once(() => {
  const table = mainTable();
  return {
    deliveries: deliveryStore(table),
    endpoints: webhookEndpointStore(table),
    events: eventStore(table),
    enqueue: enqueueTo(laneUrls('webhook delivery', ['fresh'])),
    recordChange: auditTo(table),
  };
});

/** What the deliveries list needs: no vault, no queue. */
export const deliveryListDeps = once(() => {
  const table = mainTable();
  return { deliveries: deliveryStore(table), endpoints: webhookEndpointStore(table) };
});
