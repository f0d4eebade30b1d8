import * as z from 'zod';
import { openCredentials } from '../connections/service';
import { connectionStore } from '../connections/store';
import { findTenantIntegration, tenantIntegrations } from '../integrations/tenant-catalog';
import { oauthDeps, tokenPort } from '../oauth/deps';
import { changeRecords, recordChange } from '../platform/audit';
import { dynamo } from '../platform/aws';
import { once, readConfig } from '../platform/config';
import { transact } from '../platform/items';
import { send } from '../platform/outbound';
import { resourceEnv } from '../platform/resource-env';
import { mainTable } from '../platform/tables';
import { providerBudget, slowProviderBudget } from '../syncs/budget';
import { lazyVault } from '../vault/default';
import { ProviderAskedToWait, type ProxyDeps } from './service';

/** A provider's Retry-After up to this long is waited out in line; a longer one is answered as 429 (API Gateway gives a call 30 s). */
const inlineWaitMs = 2_000;

/** The proxy's dependencies in a Lambda container, built once from its environment. */
export const proxyDeps = once((): ProxyDeps => {
  const connections = connectionStore(mainTable());
  const tokens = tokenPort(oauthDeps());
  const catalog = tenantIntegrations(mainTable());
  const variable = resourceEnv.table('limits');
  const limits = { db: dynamo(), table: readConfig('proxy', z.object({ [variable]: z.string().min(1) }))[variable] as string };
  return {
    connections,
    integrations: { find: (tenantId, key) => findTenantIntegration(catalog, tenantId, key) },
    credentials: (tenantId, connection, integration, rejected) =>
      connection.authType === 'oauth2'
        ? tokens.fresh(tenantId, connection.id, integration, rejected === undefined ? {} : { rejected })
        : openCredentials({ store: connections, vault: lazyVault }, tenantId, connection.id),
    admit: (tenantId, connection, integration) => providerBudget(limits, tenantId, connection.id, integration),
    slowDown: (tenantId, connection, integration, untilMs) => slowProviderBudget(limits, tenantId, connection.id, integration, untilMs),
    // Three tries of at most 8 s each fit in the function's 29 s; a write is sent once,
    // since a second copy of a POST may act twice.
    send: (request, { idempotent, maxBodyBytes }) =>
      send(request, {
        maxAttempts: idempotent ? 3 : 1,
        timeoutMs: idempotent ? 8_000 : 25_000,
        maxBodyBytes,
        // The outbound client waits out any Retry-After it is given: a long one ends the call here instead.
        maxRetryAfterMs: Number.POSITIVE_INFINITY,
        sleep: (ms) => (ms > inlineWaitMs ? Promise.reject(new ProviderAskedToWait(ms)) : new Promise((resolve) => setTimeout(resolve, ms))),
      }),
    recordCall: async (audit, target, status) => {
      const committed = await transact(mainTable(), changeRecords(mainTable().table, audit, target, new Date().toISOString(), status));
      // The Idempotency-Key was taken over (this call outlived its lock): the entry is still owed.
      if (!committed) await recordChange(mainTable(), { ...audit, idempotency: undefined }, target, status);
    },
  };
});
