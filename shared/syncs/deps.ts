import * as z from 'zod';
import { openCredentials } from '../connections/service';
import { connectionStore } from '../connections/store';
import { findTenantIntegration, tenantIntegrations } from '../integrations/tenant-catalog';
import { oauthDeps, tokenPort } from '../oauth/deps';
import { dynamo } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import { send } from '../platform/outbound';
import { sendAll } from '../platform/queue';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import { recordStoreOf } from '../records/deps';
import { lazyVault } from '../vault/default';
import { providerBudget, slowProviderBudget } from './budget';
import { syncRunStore } from './run-store';
import { scheduleStore } from './schedule-store';
import type { SchedulerDeps } from './scheduler';
import type { SyncApiDeps, SyncJob } from './service';
import { maxPageBytes, type SyncWorkerDeps } from './worker';

function enqueueJobs(purpose: string): SyncApiDeps['enqueue'] {
  const variable = resourceEnv.queue('syncJobs');
  const queueUrl = readConfig(purpose, z.object({ [variable]: z.string().min(1) }))[variable] as string;
  return (jobs: SyncJob[], delaySeconds = 0) => sendAll(queueUrl, 'syncJobs', jobs, delaySeconds);
}

/** The limits table, where providers' budgets are counted. */
const limitsTable = once(() => {
  const variable = resourceEnv.table('limits');
  return { db: dynamo(), table: readConfig('sync worker', z.object({ [variable]: z.string().min(1) }))[variable] as string };
});

const integrationsOf = () => {
  const source = tenantIntegrations(mainTable());
  return { find: (tenantId: string, key: string) => findTenantIntegration(source, tenantId, key) };
};

/** The sync routes' dependencies: runs, connections, the catalog, the queue. */
export const syncApiDeps = once(
  (): SyncApiDeps => ({
    runs: syncRunStore(mainTable()),
    connections: connectionStore(mainTable()),
    integrations: integrationsOf(),
    enqueue: enqueueJobs('sync routes'),
  }),
);

/** The scheduler's: the routes', and the schedules. */
export const schedulerDeps = once((): SchedulerDeps => ({ ...syncApiDeps(), schedules: scheduleStore(mainTable()) }));

/** The read-only routes' (no queue). */
export const syncReadDeps = once(() => ({ runs: syncRunStore(mainTable()), connections: connectionStore(mainTable()) }));

/** The worker's: everything above, the records store, and the provider's requests with the connection's credentials. */
export const syncWorkerDeps = once((): SyncWorkerDeps => {
  const connections = connectionStore(mainTable());
  const tokens = tokenPort(oauthDeps());
  return {
    runs: syncRunStore(mainTable()),
    connections,
    integrations: integrationsOf(),
    records: recordStoreOf(),
    enqueue: enqueueJobs('sync worker'),
    credentials: (tenantId, connection, integration, rejected) =>
      connection.authType === 'oauth2'
        ? tokens.fresh(tenantId, connection.id, integration, rejected === undefined ? {} : { rejected })
        : openCredentials({ store: connections, vault: lazyVault }, tenantId, connection.id),
    admit: (tenantId, connection, integration) => providerBudget(limitsTable(), tenantId, connection.id, integration),
    slowDown: (tenantId, connection, integration, untilMs) => slowProviderBudget(limitsTable(), tenantId, connection.id, integration, untilMs),
    send: (request) => send(request, { maxBodyBytes: maxPageBytes }),
  };
});
