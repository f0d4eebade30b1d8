import { listInboundEventsContract } from '../../shared/inbound/contracts';
import { inboundReadDeps } from '../../shared/inbound/deps';
import { listInboundEvents } from '../../shared/inbound/service';
import { http } from '../../shared/platform/http';

export const handler = http(listInboundEventsContract, async ({ principal, path, query }) => ({
  status: 200,
  body: await listInboundEvents(inboundReadDeps(), principal.tenantId, path.id, query),
}));
