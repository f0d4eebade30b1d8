import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { IntegrationDefinition, IntegrationListQuery, IntegrationPatch, IntegrationSummary, IntegrationView } from './schema';
import { IntegrationPath } from './vocabulary';

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

export const createIntegrationContract = defineContract({
  summary: "Add a custom integration, visible only to this tenant, checked by the built-ins' schema",
  tag,
  scope: 'admin',
  audit: 'integration.create',
  body: IntegrationDefinition,
  responses: { 201: { description: 'The integration (ETag: its version)', schema: IntegrationView } },
});

export const updateIntegrationContract = defineContract({
  summary: 'Change a custom integration: top-level fields replaced, the result checked as a whole; needs If-Match',
  tag,
  scope: 'admin',
  audit: 'integration.update',
  path: IntegrationPath,
  body: IntegrationPatch,
  responses: {
    200: { description: 'The integration at its new version', schema: IntegrationView },
    412: { description: 'The version moved on; read it again' },
    428: { description: 'If-Match is missing' },
  },
});

export const deleteIntegrationContract = defineContract({
  summary: 'Delete a custom integration that no connection uses',
  tag,
  scope: 'admin',
  audit: 'integration.delete',
  path: IntegrationPath,
  responses: { 204: { description: 'Deleted' }, 409: { description: 'Connections still use it' } },
});
