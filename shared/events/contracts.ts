import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { Event, EventListQuery, EventPath } from './schema';

const tag = 'Events';

export const listEventsContract = defineContract({
  summary: "The tenant's event log, newest first; filter by type (`connection.created`, or `connection.*`) and since a time",
  tag,
  scope: 'read',
  query: EventListQuery,
  responses: { 200: { description: 'A page of events', schema: page(Event) } },
});

export const getEventContract = defineContract({
  summary: 'Show one event',
  tag,
  scope: 'read',
  path: EventPath,
  responses: { 200: { description: 'The event', schema: Event } },
});
