import type { IntegrationInput } from '../schema';

export const github: IntegrationInput = {
  key: 'github',
  name: 'GitHub',
  category: 'developer-tools',
  description: 'Repositories, issues, pull requests and organisations.',
  docsUrl: 'https://docs.github.com/en/rest',
  baseUrl: 'https://api.github.com',
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
  webhooks: { scheme: 'github', secret: 'endpoint', idHeader: 'X-GitHub-Delivery' },
};
