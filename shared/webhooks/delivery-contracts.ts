import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { DeliveriesPath, Delivery, DeliveryListQuery, DeliveryPath, ReplayInput, ReplayStarted } from './delivery-schema';

const tag = 'Webhook endpoints';

export const listDeliveriesContract = defineContract({
  summary: "An endpoint's deliveries, newest first, each with its attempts; filter by status, event type, since a time",
  tag,
  scope: 'read',
  path: DeliveriesPath,
  query: DeliveryListQuery,
  responses: { 200: { description: 'A page of deliveries with their attempts', schema: page(Delivery) } },
});

export const retryDeliveryContract = defineContract({
  summary: 'Send a delivery again now, with the same webhook-id, on a new run of the retry schedule',
  tag,
  scope: 'write',
  audit: 'webhook_delivery.retry',
  path: DeliveryPath,
  responses: {
    202: { description: 'The delivery, pending its next attempt', schema: Delivery },
    409: { description: 'An attempt is scheduled already, the endpoint is disabled, or the event has left the log' },
  },
});

export const replayContract = defineContract({
  summary: "Send again every event of the log between since (at most 14 days back) and until that the endpoint subscribes to",
  tag,
  scope: 'write',
  audit: 'webhook_endpoint.replay',
  path: DeliveriesPath,
  body: ReplayInput,
  responses: {
    202: { description: 'The replay is queued; its deliveries appear in the endpoint\'s deliveries', schema: ReplayStarted },
    409: { description: 'The endpoint is disabled' },
  },
});

export const testEndpointContract = defineContract({
  summary: 'Send a `test` event to the endpoint now, enabled or not, and answer the attempt',
  tag,
  scope: 'write',
  audit: 'webhook_endpoint.test',
  path: DeliveriesPath,
  responses: { 200: { description: 'The test delivery and its one attempt (status `succeeded` or `failed`)', schema: Delivery } },
});
