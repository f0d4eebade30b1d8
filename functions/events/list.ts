import { eventDeps } from '../../shared/events/deps';
import { listEventsContract } from '../../shared/events/contracts';
import { listEvents } from '../../shared/events/service';
import { http } from '../../shared/platform/http';

export const handler = http(listEventsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listEvents(eventDeps(), principal.tenantId, query),
}));
