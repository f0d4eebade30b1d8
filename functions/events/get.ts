import { eventDeps } from '../../shared/events/deps';
import { getEventContract } from '../../shared/events/contracts';
import { getEvent } from '../../shared/events/service';
import { http } from '../../shared/platform/http';

export const handler = http(getEventContract, async ({ principal, path }) => ({
  status: 200,
  body: await getEvent(eventDeps(), principal.tenantId, path.id),
}));
