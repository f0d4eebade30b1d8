import { webhookSubscriptionPort } from '../inbound/subscription-deps';
import { tenantIntegrations } from '../integrations/tenant-catalog';
import { oauthDeps, tokenPort } from '../oauth/deps';
import { once } from '../platform/config';
import { send } from '../platform/outbound';
import { mainTable } from '../platform/tables';
import { schedulePort } from '../syncs/scheduler';
import { lazyVault } from '../vault/default';
import { catalogPort } from './integrations';
import type { ConnectionDeps } from './service';
import { connectionStore } from './store';

/** Connections' dependencies in a Lambda container, built once from its environment. */
export const connectionDeps = once(
  (): ConnectionDeps => ({
    store: connectionStore(mainTable()),
    schedules: schedulePort(mainTable().table),
    vault: lazyVault,
    integrations: catalogPort(tenantIntegrations(mainTable())),
    tokens: tokenPort(oauthDeps()),
    webhookSubscriptions: webhookSubscriptionPort(),
    send: (request) => send(request),
  }),
);
