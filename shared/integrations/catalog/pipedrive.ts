import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * A v2 list (https://developers.pipedrive.com/docs/api/v1/Deals#getDeals, v2 tab):
 * `updated_since` in RFC 3339, `cursor` paging from `additional_data.next_cursor`, at most
 * 500 per page (https://pipedrive.readme.io/docs/core-api-concepts-pagination). Deleted
 * entities leave the default lists.
 */
function v2(name: string, description: string): StreamInput {
  return {
    name,
    description,
    method: 'GET',
    path: `/api/v2/${name}`,
    query: { sort_by: 'update_time', sort_direction: 'asc' },
    records: { path: ['data'] },
    primaryKey: ['id'],
    cursorField: { path: ['update_time'], format: 'iso8601' },
    incremental: { kind: 'filter', field: { in: 'query', name: 'updated_since' }, format: 'iso8601', on: 'modified' },
    lookbackSeconds: 60,
    deletions: { kind: 'full-refresh-diff' },
    pagination: { kind: 'cursor', param: { in: 'query', name: 'cursor' }, next: ['additional_data', 'next_cursor'] },
    pageSize: { field: { in: 'query', name: 'limit' }, max: 500 },
  };
}

export const pipedrive: IntegrationInput = {
  key: 'pipedrive',
  name: 'Pipedrive',
  category: 'crm',
  description: 'Deals, persons, organisations and activities of a Pipedrive company.',
  docsUrl: 'https://developers.pipedrive.com/docs/api/v1',
  // The v2 API (/api/v2) replaces v1 entity by entity (https://pipedrive.readme.io/docs/pipedrive-api-v2).
  baseUrl: 'https://api.pipedrive.com',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'x-api-token' },
      fields: [
        {
          name: 'apiKey',
          label: 'Personal API token',
          secret: true,
          pattern: '[a-f0-9]{40}',
          hint: 'a 40-character hexadecimal API token',
          maxLength: 255,
        },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    // Scopes are chosen in the app's settings, not in the authorization request.
    authorizationUrl: 'https://oauth.pipedrive.com/oauth/authorize',
    tokenUrl: 'https://oauth.pipedrive.com/oauth/token',
    revocation: { url: 'https://oauth.pipedrive.com/oauth/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'unsupported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/v1/users/me' },
  rateLimits: [
    {
      requests: 80,
      perSeconds: 2,
      per: 'token',
      note: 'burst limit on the Essential plan (token-based daily budget on top); higher plans allow more',
    },
  ],
  streams: [
    v2('deals', 'Deals of every status but deleted, oldest change first.'),
    v2('persons', 'Persons (contacts), oldest change first.'),
    v2('organizations', 'Organizations, oldest change first.'),
  ],
};
