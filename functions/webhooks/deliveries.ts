import { http } from '../../shared/platform/http';
import { listDeliveries } from '../../shared/webhooks/delivery';
import { listDeliveriesContract } from '../../shared/webhooks/delivery-contracts';
import { deliveryListDeps } from '../../shared/webhooks/delivery-deps';

export const handler = http(listDeliveriesContract, async ({ principal, path, query }) => ({
  status: 200,
  body: await listDeliveries(deliveryListDeps(), principal.tenantId, path.id, query),
}));
