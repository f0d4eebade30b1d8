import type { IntegrationInput } from '../schema';

export const notion: IntegrationInput = {
  key: 'notion',
  name: 'Notion',
  category: 'productivity',
  description: 'Pages, databases and blocks shared with the integration.',
  docsUrl: 'https://developers.notion.com/reference/intro',
  baseUrl: 'https://api.notion.com/v1',
  // Required on every request (https://developers.notion.com/reference/versioning).
  headers: { 'Notion-Version': '2025-09-03' },
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Internal integration secret',
          secret: true,
          pattern: '(ntn_|secret_)[A-Za-z0-9]+',
          hint: 'an internal integration secret (ntn_… or, from before September 2024, secret_…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [
    { requests: 3, perSeconds: 1, per: 'token', note: 'on average per integration; short bursts above it are allowed' },
  ],
};
