import { http } from '../../shared/platform/http';
import { listWebhookEndpointsContract } from '../../shared/webhooks/contracts';
import { webhookStoreDeps } from '../../shared/webhooks/deps';
import { listWebhookEndpoints } from '../../shared/webhooks/service';

export const handler = http(listWebhookEndpointsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listWebhookEndpoints(webhookStoreDeps(), principal.tenantId, query),
}));
