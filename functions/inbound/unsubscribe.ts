import { deleteWebhookSubscriptionContract } from '../../shared/inbound/contracts';
import { subscriptionDeps } from '../../shared/inbound/subscription-deps';
import { deleteWebhookSubscription } from '../../shared/inbound/subscriptions';
import { http } from '../../shared/platform/http';

export const handler = http(deleteWebhookSubscriptionContract, async ({ audit, path }) => ({
  status: 200,
  body: await deleteWebhookSubscription(subscriptionDeps(), audit, path.id, path.subscriptionId),
}));
