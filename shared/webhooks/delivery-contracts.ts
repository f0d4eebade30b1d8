import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { DeliveriesPath, Delivery, DeliveryListQuery } from './delivery-schema';

export const listDeliveriesContract = defineContract({
  summary: "An endpoint's deliveries, newest first, each with its attempts; filter by status, event type, since a time",
  tag: 'Webhook endpoints',
  scope: 'read',
  path: DeliveriesPath,
  query: DeliveryListQuery,
  responses: { 200: { description: 'A page of deliveries with their attempts', schema: page(Delivery) } },
});
