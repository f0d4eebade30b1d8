import { http } from '../../shared/platform/http';
import { etag } from '../../shared/platform/versioning';
import { getWebhookEndpointContract } from '../../shared/webhooks/contracts';
import { webhookStoreDeps } from '../../shared/webhooks/deps';
import { getWebhookEndpoint } from '../../shared/webhooks/service';

export const handler = http(getWebhookEndpointContract, async ({ principal, path }) => {
  const endpoint = await getWebhookEndpoint(webhookStoreDeps(), principal.tenantId, path.id);
  return { status: 200, body: endpoint, headers: etag(endpoint.version) };
});
