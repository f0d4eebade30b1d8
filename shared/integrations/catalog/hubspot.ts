import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * CRM objects through the search endpoints, the only lists that filter on modification
 * (https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm): sorted by
 * last modification ascending, `after` paging in the body, at most 200 per page and 10,000
 * results per query, past which paging restarts the query from the last modification
 * seen. The search index lags writes by a few moments, hence the lookback. Contacts name
 * their modification property `lastmodifieddate`, other objects `hs_lastmodifieddate`.
 */
function search(object: string, modified: string, properties: string[], description: string, deletion: string): StreamInput {
  return {
    name: object,
    description,
    method: 'POST',
    path: `/crm/objects/2026-03/${object}/search`,
    body: { properties, sorts: [{ propertyName: modified, direction: 'ASCENDING' }] },
    records: { path: ['results'] },
    primaryKey: ['id'],
    cursorField: { path: ['updatedAt'], format: 'iso8601' },
    incremental: {
      kind: 'filter',
      field: { in: 'body', path: ['filterGroups'] },
      format: 'iso8601',
      template: [{ filters: [{ propertyName: modified, operator: 'GTE', value: '{value}' }] }],
      on: 'modified',
    },
    lookbackSeconds: 300,
    // Search answers no archived records; the webhook subscription type says which went.
    deletions: { kind: 'tombstone-event', events: [deletion] },
    pagination: { kind: 'cursor', param: { in: 'body', path: ['after'] }, next: ['paging', 'next', 'after'], queryLimit: 10_000 },
    pageSize: { field: { in: 'body', path: ['limit'] }, max: 200 },
  };
}

/**
 * Two real ways in: an OAuth app (for connecting many customers' accounts) and a private
 * app's access token (one account, pasted in). Both send `Authorization: Bearer`.
 */
export const hubspot: IntegrationInput = {
  key: 'hubspot',
  name: 'HubSpot',
  category: 'crm',
  description: 'Contacts, companies, deals and tickets in a HubSpot account.',
  docsUrl: 'https://developers.hubspot.com/docs/api-reference',
  baseUrl: 'https://api.hubapi.com',
  auth: [
    { type: 'oauth2' },
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Private app access token',
          secret: true,
          pattern: 'pat-[a-z0-9]+-[A-Za-z0-9-]+',
          hint: 'a private app access token (pat-na1-…, pat-eu1-…)',
          maxLength: 512,
        },
      ],
    },
  ],
  oauth2: {
    authorizationUrl: 'https://app.hubspot.com/oauth/authorize',
    // The dated 2026-03 endpoints replace /oauth/v1, which HubSpot retires on 16 February 2027.
    tokenUrl: 'https://api.hubapi.com/oauth/2026-03/token',
    revocation: { url: 'https://api.hubapi.com/oauth/2026-03/token/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['oauth'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 1800, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/account-info/2026-03/details' },
  rateLimits: [
    {
      requests: 100,
      perSeconds: 10,
      per: 'app-per-account',
      note: 'private apps on Free and Starter; 190 on Professional and Enterprise; 110 for a public OAuth app in each account',
    },
  ],
  streams: [
    search('contacts', 'lastmodifieddate', ['email', 'firstname', 'lastname', 'phone', 'company', 'lifecyclestage', 'createdate', 'lastmodifieddate'], 'Contacts, oldest change first.', 'contact.deletion'),
    search('companies', 'hs_lastmodifieddate', ['name', 'domain', 'industry', 'phone', 'city', 'country', 'createdate', 'hs_lastmodifieddate'], 'Companies, oldest change first.', 'company.deletion'),
    search('deals', 'hs_lastmodifieddate', ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage', 'createdate', 'hs_lastmodifieddate'], 'Deals, oldest change first.', 'deal.deletion'),
  ],
};
