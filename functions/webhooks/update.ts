import { http } from '../../shared/platform/http';
import { etag, versionFromIfMatch } from '../../shared/platform/versioning';
import { updateWebhookEndpointContract } from '../../shared/webhooks/contracts';
import { webhookStoreDeps } from '../../shared/webhooks/deps';
import { updateWebhookEndpoint } from '../../shared/webhooks/service';

export const handler = http(updateWebhookEndpointContract, async ({ audit, path, body, headers }) => {
  const endpoint = await updateWebhookEndpoint(webhookStoreDeps(), audit, path.id, versionFromIfMatch(headers), body);
  return { status: 200, body: endpoint, headers: etag(endpoint.version) };
});
