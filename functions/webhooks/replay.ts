import { http } from '../../shared/platform/http';
import { startReplay } from '../../shared/webhooks/delivery';
import { replayContract } from '../../shared/webhooks/delivery-contracts';
import { deliveryRouteDeps } from '../../shared/webhooks/delivery-deps';

export const handler = http(replayContract, async ({ audit, path, body }) => ({
  status: 202,
  body: await startReplay(deliveryRouteDeps(), audit, path.id, body),
}));
