import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

const repository: NonNullable<StreamInput['params']> = [
  {
    name: 'owner',
    label: 'Owner',
    // Logins: letters, digits and inner hyphens, at most 39 characters.
    pattern: '[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?',
    hint: 'a user or organisation login',
    maxLength: 39,
    required: true,
    example: 'octocat',
  },
  {
    name: 'repo',
    label: 'Repository',
    pattern: '[A-Za-z0-9._-]{1,100}',
    hint: 'a repository name',
    maxLength: 100,
    required: true,
    example: 'Hello-World',
  },
];

/**
 * The events a repository webhook can be sent, as GitHub names them in `events` (`*`: all),
 * from https://docs.github.com/en/webhooks/webhook-events-and-payloads (those available to
 * repositories; organisation-, app- and marketplace-only events are left out).
 */
const repositoryHookEvents = [
  '*', 'branch_protection_configuration', 'branch_protection_rule', 'check_run', 'check_suite', 'code_scanning_alert',
  'commit_comment', 'create', 'custom_property_values', 'delete', 'dependabot_alert', 'deploy_key', 'deployment',
  'deployment_protection_rule', 'deployment_review', 'deployment_status', 'discussion', 'discussion_comment', 'fork',
  'gollum', 'issue_comment', 'issue_dependencies', 'issues', 'label', 'member', 'merge_group', 'meta', 'milestone',
  'package', 'page_build', 'project', 'project_card', 'project_column', 'public', 'pull_request', 'pull_request_review',
  'pull_request_review_comment', 'pull_request_review_thread', 'push', 'registry_package', 'release', 'repository',
  'repository_advisory', 'repository_import', 'repository_ruleset', 'repository_vulnerability_alert',
  'secret_scanning_alert', 'secret_scanning_alert_location', 'secret_scanning_scan', 'security_and_analysis', 'star',
  'status', 'sub_issues', 'team_add', 'watch', 'workflow_job', 'workflow_run',
];

/**
 * Repository webhooks, made through the REST API with Junction's URL and secret
 * (https://docs.github.com/en/rest/repos/webhooks#create-a-repository-webhook): the token
 * needs admin rights on the repository (classic `admin:repo_hook`, or fine-grained
 * "Webhooks: write"); GitHub answers 404, not 403, to a token that lacks them.
 */
export const githubHookRegistration = {
  api: 'github-hooks',
  create: '/repos/{owner}/{repo}/hooks',
  delete: '/repos/{owner}/{repo}/hooks/{id}',
  params: repository,
  events: repositoryHookEvents,
} as const satisfies NonNullable<NonNullable<IntegrationInput['webhooks']>['registration']>;

/** Where a repository event's payload names its repository (https://docs.github.com/en/webhooks/webhook-events-and-payloads). */
const repositoryOfEvent = { owner: ['repository', 'owner', 'login'], repo: ['repository', 'name'] };

/**
 * List endpoints answer a JSON array and page with `Link: <…>; rel="next"`; `per_page`
 * is at most 100 (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api).
 * Timestamps have second precision, so a minute of lookback covers writes in the
 * checkpoint's own second.
 */
const listed = {
  method: 'GET',
  records: { path: [] },
  primaryKey: ['id'],
  cursorField: { path: ['updated_at'], format: 'iso8601' },
  lookbackSeconds: 60,
  pagination: { kind: 'link-header' },
  pageSize: { field: { in: 'query', name: 'per_page' }, max: 100 },
} satisfies Partial<StreamInput>;

export const github: IntegrationInput = {
  key: 'github',
  name: 'GitHub',
  category: 'developer-tools',
  description: 'Repositories, issues, pull requests and organisations.',
  docsUrl: 'https://docs.github.com/en/rest',
  baseUrl: 'https://api.github.com',
  // GitHub Enterprise Server: the connection's params.baseUrl is https://HOST/api/v3
  // (https://docs.github.com/en/enterprise-server@latest/rest/quickstart). Personal access
  // tokens only: OAuth connections keep github.com (oauth/sessions.ts refuses the override).
  baseUrlOverride: { path: '/api/v3' },
  headers: {
    Accept: 'application/vnd.github+json',
    // Pinned: GitHub keeps a REST API version for at least 24 months after its successor
    // ships (https://docs.github.com/en/rest/about-the-rest-api/api-versions).
    'X-GitHub-Api-Version': '2022-11-28',
    // GitHub refuses API requests without a User-Agent.
    'User-Agent': 'Junction',
  },
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Personal access token',
          secret: true,
          pattern: 'gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{36,244}',
          hint: 'a GitHub token (github_pat_… or ghp_…)',
          maxLength: 255,
        },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    scopeSeparator: ' ',
    defaultScopes: ['read:user'],
    // S256 only, since July 2025 (https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication).
    pkce: 'supported',
    clientAuth: 'post',
    // Without it the token endpoint answers application/x-www-form-urlencoded.
    tokenRequestHeaders: { Accept: 'application/json' },
    // OAuth app tokens do not expire (GitHub App user tokens do, after 8 hours, with rotating refresh tokens).
    tokens: { accessTokenLifetimeSeconds: null, refreshTokens: 'none' },
  },
  check: { method: 'GET', path: '/user' },
  rateLimits: [
    {
      requests: 5000,
      perSeconds: 3600,
      per: 'token',
      note: 'primary limit for a user token; secondary limits also cap concurrency and bursts',
    },
  ],
  // X-Hub-Signature-256: sha256=<hex HMAC of the raw body>, with the webhook's own secret.
  // An event's type is X-GitHub-Event, then `.` and the payload's `action` (`issues.opened`).
  webhooks: {
    scheme: 'github',
    secret: 'endpoint',
    idHeader: 'X-GitHub-Delivery',
    registration: githubHookRegistration,
    events: {
      issues: [{ stream: 'issues', params: repositoryOfEvent }],
      issue_comment: [{ stream: 'issue_comments', params: repositoryOfEvent }],
      pull_request: [{ stream: 'pull_requests', params: repositoryOfEvent }],
      repository: [{ stream: 'repositories' }],
    },
  },
  // Deletions are webhook events named `<X-GitHub-Event>.<action>`.
  streams: [
    {
      // https://docs.github.com/en/rest/issues/issues#list-repository-issues
      ...listed,
      name: 'issues',
      description: 'Issues of a repository, with its pull requests: GitHub counts them as issues (they carry a pull_request key).',
      path: '/repos/{owner}/{repo}/issues',
      params: repository,
      query: { state: 'all', sort: 'updated', direction: 'asc' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'since' }, format: 'iso8601', on: 'modified' },
      deletions: { kind: 'tombstone-event', events: ['issues.deleted'] },
    },
    {
      // https://docs.github.com/en/rest/pulls/pulls#list-pull-requests: no `since`, but sorting by update.
      ...listed,
      name: 'pull_requests',
      description: 'Pull requests of a repository, in every state.',
      path: '/repos/{owner}/{repo}/pulls',
      params: repository,
      query: { state: 'all', sort: 'updated', direction: 'desc' },
      incremental: { kind: 'newest-first' },
      // Pull requests cannot be deleted, only closed.
      deletions: { kind: 'none' },
    },
    {
      // https://docs.github.com/en/rest/issues/comments#list-issue-comments-for-a-repository
      ...listed,
      name: 'issue_comments',
      description: 'Comments on the issues and pull requests of a repository.',
      path: '/repos/{owner}/{repo}/issues/comments',
      params: repository,
      query: { sort: 'updated', direction: 'asc' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'since' }, format: 'iso8601', on: 'modified' },
      deletions: { kind: 'tombstone-event', events: ['issue_comment.deleted'] },
    },
    {
      // https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
      ...listed,
      name: 'repositories',
      description: 'Repositories the token’s user owns, collaborates on or reaches through an organisation.',
      path: '/user/repos',
      query: { sort: 'updated', direction: 'asc' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'since' }, format: 'iso8601', on: 'modified' },
      deletions: { kind: 'tombstone-event', events: ['repository.deleted'] },
    },
  ],
};
