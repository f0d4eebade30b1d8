import { setWebhookSecret, type WebhookSubscriptionPort } from '../connections/service';
import { connectionStore } from '../connections/store';
import { once } from '../platform/config';
import { send } from '../platform/outbound';
import { mainTable } from '../platform/tables';
import { proxyDeps } from '../proxy/deps';
import { ProviderAskedToWait } from '../proxy/service';
import { lazyVault } from '../vault/default';
import { webhookSubscriptionStore } from './subscription-store';
import { removeWebhookSubscriptions, type SubscriptionDeps } from './subscriptions';

/** A provider's Retry-After up to this long is waited out in line; a longer one answers 429. */
const inlineWaitMs = 2_000;

/**
 * Webhook subscriptions' dependencies in a Lambda container: the proxy's credentials and
 * provider budget (the same calls, shared with syncs), the subscriptions' store, and the
 * connections service to store a secret. Calls fail sooner than a proxied one: a deletion
 * may have several subscriptions to remove within its 29 s.
 */
export const subscriptionDeps = once((): SubscriptionDeps => {
  const { connections, integrations, credentials, admit, slowDown } = proxyDeps();
  return {
    connections,
    integrations,
    credentials,
    admit,
    slowDown,
    store: webhookSubscriptionStore(mainTable()),
    // A create is sent once (a second copy would make a second hook); a removal is retried once.
    send: (request, { idempotent, maxBodyBytes }) =>
      send(request, {
        maxAttempts: idempotent ? 2 : 1,
        timeoutMs: 8_000,
        maxBodyBytes,
        maxRetryAfterMs: Number.POSITIVE_INFINITY,
        sleep: (ms) => (ms > inlineWaitMs ? Promise.reject(new ProviderAskedToWait(ms)) : new Promise((resolve) => setTimeout(resolve, ms))),
      }),
    setWebhookSecret: (tenantId, id, expectedVersion, secret, also) =>
      setWebhookSecret({ store: connectionStore(mainTable()), vault: lazyVault }, tenantId, id, expectedVersion, secret, also),
  };
});

/** The list route's: reads only. */
export const subscriptionReadDeps = once(() => ({ store: webhookSubscriptionStore(mainTable()), connections: connectionStore(mainTable()) }));

/** Connections' view of webhook subscriptions: removing them when a connection is deleted. */
export const webhookSubscriptionPort = (): WebhookSubscriptionPort => ({
  removeAll: (tenantId, connection) => removeWebhookSubscriptions(subscriptionDeps(), tenantId, connection),
});
