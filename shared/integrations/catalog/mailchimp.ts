import type { IntegrationInput } from '../schema';

export const mailchimp: IntegrationInput = {
  key: 'mailchimp',
  name: 'Mailchimp',
  category: 'marketing',
  description: 'Audiences, members, campaigns and reports of a Mailchimp account.',
  docsUrl: 'https://mailchimp.com/developer/marketing/api/',
  baseUrl: 'https://{dc}.api.mailchimp.com/3.0',
  // The data center is the API key's suffix (…-us21) or, after OAuth, the metadata endpoint's dc.
  params: [
    {
      name: 'dc',
      label: 'Data center',
      description: "The account's data center: us21 for an API key ending in -us21.",
      pattern: 'us[0-9]{1,3}',
      hint: 'a data center such as us21',
      maxLength: 5,
      required: true,
      example: 'us21',
    },
  ],
  auth: [
    {
      type: 'basic',
      fields: [
        { name: 'username', label: 'Username (any text)', secret: false, maxLength: 255 },
        { name: 'password', label: 'API key', secret: true, maxLength: 255 },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    // Mailchimp access tokens do not expire and there are no scopes.
    authorizationUrl: 'https://login.mailchimp.com/oauth2/authorize',
    tokenUrl: 'https://login.mailchimp.com/oauth2/token',
    scopeSeparator: ' ',
    defaultScopes: [],
    pkce: 'unsupported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: null, refreshTokens: 'none' },
  },
  check: { method: 'GET', path: '/ping' },
  rateLimits: [
    {
      requests: 10,
      perSeconds: 1,
      per: 'account',
      note: '10 simultaneous connections per user; 120 s timeout per call',
    },
  ],
  streams: [
    {
      // https://mailchimp.com/developer/marketing/api/list-members/list-members-info/:
      // `since_last_changed`, `count` up to 1,000, `offset`, and `total_items` of the filtered list.
      name: 'members',
      description: 'Members of one audience, oldest change first; archived members carry status archived.',
      method: 'GET',
      path: '/lists/{listId}/members',
      params: [
        { name: 'listId', label: 'Audience id', pattern: '[0-9a-f]{10}', hint: 'an audience (list) id', maxLength: 10, required: true, example: 'a1b2c3d4e5' },
      ],
      query: { sort_field: 'last_changed', sort_dir: 'ASC' },
      records: { path: ['members'] },
      // The MD5 of the lowercased email address.
      primaryKey: ['id'],
      cursorField: { path: ['last_changed'], format: 'iso8601' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'since_last_changed' }, format: 'iso8601', on: 'modified' },
      lookbackSeconds: 60,
      // Archiving is Mailchimp's delete; permanently deleted members vanish without a trace.
      deletions: { kind: 'flag', field: ['status'], value: 'archived' },
      pagination: { kind: 'offset', param: { in: 'query', name: 'offset' }, end: { kind: 'total', path: ['total_items'] } },
      pageSize: { field: { in: 'query', name: 'count' }, max: 1000 },
    },
  ],
};
