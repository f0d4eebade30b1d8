import type { IntegrationInput } from '../schema';

export const asana: IntegrationInput = {
  key: 'asana',
  name: 'Asana',
  category: 'project-management',
  description: 'Workspaces, projects, tasks and users.',
  docsUrl: 'https://developers.asana.com/reference/rest-api-reference',
  baseUrl: 'https://app.asana.com/api/1.0',
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'Personal access token', secret: true, maxLength: 255 }],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    authorizationUrl: 'https://app.asana.com/-/oauth_authorize',
    tokenUrl: 'https://app.asana.com/-/oauth_token',
    revocation: { url: 'https://app.asana.com/-/oauth_revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['default'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [
    {
      requests: 1500,
      perSeconds: 60,
      per: 'token',
      note: 'paid workspaces; 150 per minute on free ones',
    },
  ],
  streams: [
    {
      // https://developers.asana.com/reference/gettasks: `modified_since`, and offset tokens in
      // `next_page.offset` (https://developers.asana.com/docs/pagination), which Asana sends
      // only when the request sets `limit` (1 to 100). Records are compact unless opt_fields
      // asks for more; a subtask's change does not count as its parent's.
      name: 'tasks',
      description: 'Tasks of one project, deleted ones left out.',
      method: 'GET',
      path: '/tasks',
      params: [
        { name: 'projectGid', label: 'Project gid', pattern: '[0-9]{1,20}', hint: 'a project gid (digits)', maxLength: 20, required: true, example: '1200000000000000' },
      ],
      query: {
        project: '{projectGid}',
        opt_fields: 'name,notes,completed,completed_at,created_at,modified_at,due_on,assignee.name,parent,permalink_url,resource_subtype',
      },
      records: { path: ['data'] },
      primaryKey: ['gid'],
      cursorField: { path: ['modified_at'], format: 'iso8601' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'modified_since' }, format: 'iso8601', on: 'modified' },
      lookbackSeconds: 60,
      deletions: { kind: 'full-refresh-diff' },
      pagination: { kind: 'cursor', param: { in: 'query', name: 'offset' }, next: ['next_page', 'offset'] },
      pageSize: { field: { in: 'query', name: 'limit' }, max: 100 },
    },
  ],
};
