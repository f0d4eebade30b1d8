import { listWebhookSubscriptionsContract } from '../../shared/inbound/contracts';
import { subscriptionReadDeps } from '../../shared/inbound/subscription-deps';
import { listWebhookSubscriptions } from '../../shared/inbound/subscriptions';
import { http } from '../../shared/platform/http';

export const handler = http(listWebhookSubscriptionsContract, async ({ principal, path, query }) => ({
  status: 200,
  body: await listWebhookSubscriptions(subscriptionReadDeps(), principal.tenantId, path.id, query),
}));
