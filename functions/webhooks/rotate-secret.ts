import { http } from '../../shared/platform/http';
import { rotateWebhookSecretContract } from '../../shared/webhooks/contracts';
import { webhookDeps } from '../../shared/webhooks/deps';
import { rotateWebhookSecret } from '../../shared/webhooks/service';

export const handler = http(rotateWebhookSecretContract, async ({ audit, path }) => ({
  status: 200,
  body: await rotateWebhookSecret(webhookDeps(), audit, path.id),
}));
