import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { IntegrationListQuery, IntegrationPath, IntegrationSummary, IntegrationView } from './schema';

const tag = 'Integrations';

export const listIntegrationsContract = defineContract({
  summary: 'List the integrations Junction can connect to, by key; filter by category and auth type, search by name',
  tag,
  scope: 'read',
  query: IntegrationListQuery,
  responses: { 200: { description: 'A page of integrations', schema: page(IntegrationSummary) } },
});

export const getIntegrationContract = defineContract({
  summary: 'Show one integration: auth types and their fields, params, base URL, scopes, rate limits, webhook scheme',
  tag,
  scope: 'read',
  path: IntegrationPath,
  responses: { 200: { description: 'The integration', schema: IntegrationView } },
});
