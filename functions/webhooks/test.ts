import { http } from '../../shared/platform/http';
import { sendTestEvent } from '../../shared/webhooks/delivery';
import { testEndpointContract } from '../../shared/webhooks/delivery-contracts';
import { testDeliveryDeps } from '../../shared/webhooks/delivery-deps';

export const handler = http(testEndpointContract, async ({ audit, path }) => ({
  status: 200,
  body: await sendTestEvent(testDeliveryDeps(), audit, path.id),
}));
