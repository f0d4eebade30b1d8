import { http } from '../../shared/platform/http';
import { etag } from '../../shared/platform/versioning';
import { createWebhookEndpointContract } from '../../shared/webhooks/contracts';
import { webhookDeps } from '../../shared/webhooks/deps';
import { createWebhookEndpoint } from '../../shared/webhooks/service';

export const handler = http(createWebhookEndpointContract, async ({ audit, body }) => {
  const endpoint = await createWebhookEndpoint(webhookDeps(), audit, body);
  return { status: 201, body: endpoint, headers: { ...etag(endpoint.version), location: `/v1/webhook-endpoints/${endpoint.id}` } };
});
