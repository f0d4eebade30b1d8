import type { IntegrationInput } from '../schema';

export const jira: IntegrationInput = {
  key: 'jira',
  name: 'Jira',
  category: 'project-management',
  description: 'Projects, issues and users of an Atlassian Jira Cloud site.',
  docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/',
  baseUrl: 'https://api.atlassian.com/ex/jira/{cloudId}/rest/api/3',
  // The cloud id is known only after the flow (GET https://api.atlassian.com/oauth/token/accessible-resources):
  // set it on the connection with PATCH params.
  params: [
    {
      name: 'cloudId',
      label: 'Cloud id',
      description: "The site's cloud id, from the accessible-resources endpoint.",
      pattern: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
      hint: 'a UUID',
      maxLength: 36,
      required: false,
      example: '11223344-a1b2-3b33-c444-def123456789',
    },
  ],
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // Refresh tokens rotate (each is single-use) and need the offline_access scope.
    authorizationUrl: 'https://auth.atlassian.com/authorize',
    tokenUrl: 'https://auth.atlassian.com/oauth/token',
    scopeSeparator: ' ',
    defaultScopes: ['read:jira-work', 'read:jira-user', 'offline_access'],
    pkce: 'unsupported',
    clientAuth: 'post',
    authorizationParams: { audience: 'api.atlassian.com', prompt: 'consent' },
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/myself' },
  streams: [
    {
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get
      // The enhanced search: a bounded JQL, `nextPageToken` paging (absent on the last page),
      // and only issue ids unless `fields` asks for more.
      name: 'issues',
      description: 'Issues of every project the user can see, oldest change first.',
      method: 'GET',
      path: '/search/jql',
      query: { jql: 'updated >= "1970-01-01 00:00" ORDER BY updated ASC', fields: '*all' },
      records: { path: ['issues'] },
      primaryKey: ['id'],
      cursorField: { path: ['fields', 'updated'], format: 'iso8601' },
      incremental: {
        kind: 'filter',
        field: { in: 'query', name: 'jql' },
        format: 'jql-datetime',
        template: 'updated >= "{value}" ORDER BY updated ASC',
        on: 'modified',
      },
      // JQL reads times to the minute in the Jira user's time zone, which can be as far as
      // UTC-12: a value written in UTC may be read up to 12 hours late, so look back 14.
      lookbackSeconds: 14 * 3600,
      deletions: { kind: 'tombstone-event', events: ['jira:issue_deleted'] },
      pagination: { kind: 'cursor', param: { in: 'query', name: 'nextPageToken' }, next: ['nextPageToken'] },
      pageSize: { field: { in: 'query', name: 'maxResults' }, max: 100 },
    },
    {
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-search-get
      name: 'projects',
      description: 'Projects the user can browse.',
      method: 'GET',
      path: '/project/search',
      records: { path: ['values'] },
      primaryKey: ['id'],
      incremental: { kind: 'none' },
      deletions: { kind: 'full-refresh-diff' },
      pagination: { kind: 'offset', param: { in: 'query', name: 'startAt' }, end: { kind: 'last-flag', path: ['isLast'] } },
      pageSize: { field: { in: 'query', name: 'maxResults' }, max: 50 },
    },
  ],
};
