import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * The search endpoints, the lists that filter on `updated_at` (Unix seconds). Paging goes
 * in the body, `pagination: { per_page, starting_after }`, at most 150 per page; the next
 * cursor is `pages.next.starting_after`
 * (https://developers.intercom.com/docs/build-an-integration/learn-more/rest-apis/pagination).
 * Search compares timestamps by day: `updated_at > T` starts the day after T's, so two
 * days of lookback keep the checkpoint's own day in. A full sync asks for `updated_at > 0`,
 * as a search needs a query.
 */
function search(name: string, path: string, records: string[], description: string): StreamInput {
  return {
    name,
    description,
    method: 'POST',
    path,
    body: { query: { field: 'updated_at', operator: '>', value: 0 }, sort: { field: 'updated_at', order: 'ascending' } },
    records: { path: records },
    primaryKey: ['id'],
    cursorField: { path: ['updated_at'], format: 'unix-seconds' },
    incremental: {
      kind: 'filter',
      field: { in: 'body', path: ['query'] },
      format: 'unix-seconds',
      template: { field: 'updated_at', operator: '>', value: '{value}' },
      on: 'modified',
    },
    lookbackSeconds: 2 * 86_400,
    deletions: { kind: 'full-refresh-diff' },
    pagination: { kind: 'cursor', param: { in: 'body', path: ['pagination', 'starting_after'] }, next: ['pages', 'next', 'starting_after'] },
    pageSize: { field: { in: 'body', path: ['pagination', 'per_page'] }, max: 150 },
  };
}

export const intercom: IntegrationInput = {
  key: 'intercom',
  name: 'Intercom',
  category: 'support',
  description: 'Conversations, contacts and companies of an Intercom workspace.',
  docsUrl: 'https://developers.intercom.com/docs/references/rest-api/api.intercom.io',
  baseUrl: 'https://api.intercom.io',
  baseUrlOverride: { hostSuffixes: ['.intercom.io'] },
  headers: { 'Intercom-Version': '2.11' },
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'Access token', secret: true, maxLength: 255 }],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    // Permissions are set in the app's settings; access tokens do not expire.
    authorizationUrl: 'https://app.intercom.com/oauth',
    tokenUrl: 'https://api.intercom.io/auth/eagle/token',
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'unsupported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: null, refreshTokens: 'none' },
  },
  check: { method: 'GET', path: '/me' },
  rateLimits: [
    {
      requests: 10000,
      perSeconds: 60,
      per: 'app-per-account',
      note: 'private apps: 10,000 per minute per app, 25,000 per workspace',
    },
  ],
  streams: [
    // https://developers.intercom.com/docs/references/2.11/rest-api/api.intercom.io/contacts/searchcontacts
    search('contacts', '/contacts/search', ['data'], 'Contacts (users and leads), oldest change first. Merged contacts leave the list.'),
    // https://developers.intercom.com/docs/references/2.11/rest-api/api.intercom.io/conversations/searchconversations
    search('conversations', '/conversations/search', ['conversations'], 'Conversations, oldest change first.'),
  ],
};
