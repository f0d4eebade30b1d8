import type { IntegrationInput } from '../schema';

export const discord: IntegrationInput = {
  key: 'discord',
  name: 'Discord',
  category: 'communication',
  description: 'Guilds, channels and messages, as a bot or on behalf of a user.',
  docsUrl: 'https://discord.com/developers/docs/reference',
  baseUrl: 'https://discord.com/api/v10',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bot ' },
      fields: [{ name: 'apiKey', label: 'Bot token', secret: true, maxLength: 255 }],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    authorizationUrl: 'https://discord.com/oauth2/authorize',
    tokenUrl: 'https://discord.com/api/oauth2/token',
    revocation: { url: 'https://discord.com/api/oauth2/token/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['identify'],
    pkce: 'unsupported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 604800, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/users/@me' },
  rateLimits: [
    {
      requests: 50,
      perSeconds: 1,
      per: 'token',
      note: 'global limit per bot or user token; each route has its own bucket too',
    },
  ],
};
