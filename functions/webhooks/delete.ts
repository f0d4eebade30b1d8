import { http } from '../../shared/platform/http';
import { deleteWebhookEndpointContract } from '../../shared/webhooks/contracts';
import { webhookStoreDeps } from '../../shared/webhooks/deps';
import { deleteWebhookEndpoint } from '../../shared/webhooks/service';

export const handler = http(deleteWebhookEndpointContract, async ({ audit, path }) => ({
  status: 200,
  body: await deleteWebhookEndpoint(webhookStoreDeps(), audit, path.id),
}));
