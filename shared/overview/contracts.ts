import { defineContract } from '../platform/contract';
import { Overview } from './schema';

export const overviewContract = defineContract({
  summary: "The tenant at a glance: connections by status and integration, the last 24 h's syncs, webhooks, inbound events and uploads, open alerts",
  tag: 'Monitoring',
  scope: 'read',
  responses: { 200: { description: 'The overview, served from counters (a handful of reads, whatever the tenant holds)', schema: Overview } },
});
