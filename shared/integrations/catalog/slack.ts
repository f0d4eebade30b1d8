import type { IntegrationInput } from '../schema';

/** An OAuth app installed per workspace, or a bot token pasted in; both are Bearer tokens. */
export const slack: IntegrationInput = {
  key: 'slack',
  name: 'Slack',
  category: 'communication',
  description: 'Channels, messages and users of a Slack workspace.',
  docsUrl: 'https://docs.slack.dev/apis/web-api',
  baseUrl: 'https://slack.com/api',
  auth: [
    { type: 'oauth2' },
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Bot token',
          secret: true,
          pattern: '(xoxe\\.)?xox[bp]-[A-Za-z0-9-]+',
          hint: 'a bot token (xoxb-…) or a user token (xoxp-…)',
          maxLength: 255,
        },
      ],
    },
  ],
  oauth2: {
    authorizationUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    revocation: { url: 'https://slack.com/api/auth.revoke', style: 'bearer' },
    scopeSeparator: ',',
    defaultScopes: ['channels:read', 'chat:write'],
    // Slack offers PKCE only to apps switched, irreversibly, to public clients.
    pkce: 'unsupported',
    // oauth.v2.access prefers the client id and secret as HTTP Basic.
    clientAuth: 'basic',
    // With token rotation turned on in the app's settings; without it, tokens never expire.
    tokens: { accessTokenLifetimeSeconds: 43200, refreshTokens: 'rotating' },
  },
  // auth.test needs no scope, and answers HTTP 200 with { "ok": false } to a bad token.
  check: { method: 'POST', path: '/auth.test', successField: 'ok' },
  rateLimits: [
    {
      requests: 20,
      perSeconds: 60,
      per: 'method',
      note: 'Tier 2 methods, per workspace; each method has a tier from 1 (1+ per minute) to 4 (100+ per minute)',
    },
  ],
  // X-Slack-Signature: v0=<hex HMAC of "v0:timestamp:body"> with the app's signing secret.
  webhooks: { scheme: 'slack', secret: 'app' },
};
