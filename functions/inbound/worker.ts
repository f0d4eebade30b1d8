import * as z from 'zod';
import { routeDeps } from '../../shared/inbound/deps';
import { routeInboundEvent } from '../../shared/inbound/service';
import { queueConsumer } from '../../shared/platform/consumer';

const InboundMessage = z.strictObject({ tenantId: z.string().min(1), connectionId: z.string().min(1), inboundId: z.string().min(1).optional() });

/**
 * The inbound worker (`inboundEvents`): per message, serves the connection's sync request
 * (start a run, or find one already covering the event) and marks the event processed.
 * One message after another: a burst's messages for one connection then find the run the
 * first started, instead of racing it for the streams' locks.
 */
export const handler = queueConsumer({
  what: 'inbound event',
  message: InboundMessage,
  inOrder: true,
  handle: (message) => routeInboundEvent(routeDeps(), message),
});
