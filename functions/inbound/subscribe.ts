import { createWebhookSubscriptionContract } from '../../shared/inbound/contracts';
import { subscriptionDeps } from '../../shared/inbound/subscription-deps';
import { createWebhookSubscription } from '../../shared/inbound/subscriptions';
import { http } from '../../shared/platform/http';

export const handler = http(createWebhookSubscriptionContract, async ({ audit, path, body, headers }) => {
  // This API as the caller reached it (API Gateway sets x-forwarded-proto), as the OAuth callback URL is made.
  const publicBaseUrl = `${headers['x-forwarded-proto'] ?? 'https'}://${headers.host}`;
  const subscription = await createWebhookSubscription(subscriptionDeps(), audit, path.id, body, publicBaseUrl);
  return { status: 201, body: subscription, headers: { location: `/v1/connections/${path.id}/webhook-subscriptions/${subscription.id}` } };
});
