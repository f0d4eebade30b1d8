import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * A project's list: `updated_after` (ISO 8601), offset paging with a `Link` header, at most
 * 100 per page (https://docs.gitlab.com/api/rest/#pagination). Deleting an issue or merge
 * request sends no webhook: only a full sync notices.
 */
function project(name: string, description: string): StreamInput {
  return {
    name,
    description,
    method: 'GET',
    path: `/projects/{projectId}/${name}`,
    params: [
      {
        name: 'projectId',
        label: 'Project',
        // A numeric id, or the path with its namespace (group/subgroup/project), which the URL carries encoded.
        pattern: '[0-9]{1,20}|[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+',
        hint: 'a project id or its full path (group/project)',
        maxLength: 255,
        required: true,
        example: 'gitlab-org/gitlab',
      },
    ],
    query: { scope: 'all', order_by: 'updated_at', sort: 'asc' },
    records: { path: [] },
    primaryKey: ['id'],
    cursorField: { path: ['updated_at'], format: 'iso8601' },
    incremental: { kind: 'filter', field: { in: 'query', name: 'updated_after' }, format: 'iso8601', on: 'modified' },
    lookbackSeconds: 60,
    deletions: { kind: 'full-refresh-diff' },
    pagination: { kind: 'link-header' },
    pageSize: { field: { in: 'query', name: 'per_page' }, max: 100 },
  };
}

export const gitlab: IntegrationInput = {
  key: 'gitlab',
  name: 'GitLab',
  category: 'developer-tools',
  description: 'Projects, merge requests, issues and pipelines on GitLab.com or a self-managed instance.',
  docsUrl: 'https://docs.gitlab.com/api/rest/',
  baseUrl: 'https://gitlab.com/api/v4',
  // Self-managed instances: override the base URL (their OAuth endpoints need a custom integration).
  baseUrlOverride: {},
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Personal access token',
          secret: true,
          pattern: 'glpat-[A-Za-z0-9_.-]{20,}',
          hint: 'a personal access token (glpat-…)',
          maxLength: 255,
        },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    issuer: 'https://gitlab.com',
    authorizationUrl: 'https://gitlab.com/oauth/authorize',
    tokenUrl: 'https://gitlab.com/oauth/token',
    revocation: { url: 'https://gitlab.com/oauth/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['read_user'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 7200, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/user' },
  rateLimits: [
    {
      requests: 2000,
      perSeconds: 60,
      per: 'token',
      note: 'authenticated API traffic per user on GitLab.com',
    },
  ],
  streams: [
    // https://docs.gitlab.com/api/issues/#list-project-issues
    project('issues', 'Issues of a project, oldest change first.'),
    // https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests
    project('merge_requests', 'Merge requests of a project, oldest change first.'),
  ],
};
