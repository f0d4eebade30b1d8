import * as z from 'zod';
import { openCredentials } from '../connections/service';
import { connectionStore, connectionTenant } from '../connections/store';
import { eventRetentionDays, eventStore } from '../events/store';
import { webhookSecretField } from '../integrations/service';
import { findTenantIntegration, tenantIntegrations } from '../integrations/tenant-catalog';
import { dynamo, s3 } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import { sendAll } from '../platform/queue';
import { admitInWindow } from '../platform/rate-limit';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import { syncApiDeps } from '../syncs/deps';
import { startSyncRun } from '../syncs/service';
import { lazyVault } from '../vault/default';
import { inboundAudit, receivePerSecond, type InboundMessage, type PayloadDeps, type ReceiveDeps, type RouteDeps } from './service';
import { inboundBodies, inboundStore } from './store';

function enqueueInbound(purpose: string) {
  const variable = resourceEnv.queue('inboundEvents');
  const queueUrl = readConfig(purpose, z.object({ [variable]: z.string().min(1) }))[variable] as string;
  return (messages: InboundMessage[], delaySeconds: number) => sendAll(queueUrl, 'inboundEvents', messages, delaySeconds);
}

const limitsTable = once(() => {
  const variable = resourceEnv.table('limits');
  return { db: dynamo(), table: readConfig('inbound webhooks', z.object({ [variable]: z.string().min(1) }))[variable] as string };
});

/** The uploads bucket, where bodies too large for their event are kept. */
const bodies = once(() => inboundBodies(s3(), readConfig('inbound webhook bodies', z.object({ [resourceEnv.bucket]: z.string().min(1) }))[resourceEnv.bucket] as string));

/** The receiving route's: the connection and its sealed secret, the catalog, the per-connection budget, the queue, the bucket. */
export const receiveDeps = once((): ReceiveDeps => {
  const connections = connectionStore(mainTable());
  const source = tenantIntegrations(mainTable());
  return {
    store: inboundStore(mainTable()),
    tenantOf: (connectionId) => connectionTenant(mainTable(), connectionId),
    connections,
    integrations: { find: (tenantId, key) => findTenantIntegration(source, tenantId, key) },
    secretOf: async (tenantId, connectionId) => (await openCredentials({ store: connections, vault: lazyVault }, tenantId, connectionId))[webhookSecretField],
    admit: (tenantId, connectionId) => admitInWindow(limitsTable(), `INBOUND#${tenantId}#${connectionId}`, receivePerSecond, 1),
    enqueue: enqueueInbound('inbound webhooks'),
    bodies: bodies(),
    retentionDays: eventRetentionDays,
  };
});

/** The list route's. */
export const inboundReadDeps = once(() => ({ store: inboundStore(mainTable()), connections: connectionStore(mainTable()) }));

/** The payload route's: the event's item, its `inbound.received` event, the bucket. */
export const inboundPayloadDeps = once(
  (): PayloadDeps => ({ ...inboundReadDeps(), events: eventStore(mainTable()), bodies: bodies() }),
);

/** The worker's: the sync request, and starting runs as the sync routes do. */
export const routeDeps = once(
  (): RouteDeps => ({
    store: inboundStore(mainTable()),
    startSync: (tenantId, connectionId, input) => startSyncRun(syncApiDeps(), inboundAudit(tenantId), connectionId, input),
    enqueue: enqueueInbound('inbound worker'),
  }),
);
