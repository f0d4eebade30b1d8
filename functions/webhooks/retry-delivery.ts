import { http } from '../../shared/platform/http';
import { retryDelivery } from '../../shared/webhooks/delivery';
import { retryDeliveryContract } from '../../shared/webhooks/delivery-contracts';
import { deliveryRouteDeps } from '../../shared/webhooks/delivery-deps';

export const handler = http(retryDeliveryContract, async ({ audit, path }) => ({
  status: 202,
  body: await retryDelivery(deliveryRouteDeps(), audit, path.id),
}));
