import { receiveHookContract } from '../../shared/inbound/contracts';
import { receiveDeps } from '../../shared/inbound/deps';
import { receiveDelivery } from '../../shared/inbound/service';
import { http } from '../../shared/platform/http';

export const handler = http(receiveHookContract, async ({ path, headers, body }) =>
  receiveDelivery(receiveDeps(), { integration: path.integration, connectionId: path.connectionId, headers, body }),
);
