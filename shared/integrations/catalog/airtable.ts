import type { IntegrationInput } from '../schema';

export const airtable: IntegrationInput = {
  key: 'airtable',
  name: 'Airtable',
  category: 'productivity',
  description: 'Bases, tables and records.',
  docsUrl: 'https://airtable.com/developers/web/api/introduction',
  baseUrl: 'https://api.airtable.com/v0',
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Personal access token',
          secret: true,
          pattern: 'pat[A-Za-z0-9]+\\.[A-Za-z0-9]+',
          hint: 'a personal access token (pat….…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/meta/whoami' },
  rateLimits: [
    { requests: 5, perSeconds: 1, per: 'resource', note: 'per base; after a 429, wait 30 seconds' },
    { requests: 50, perSeconds: 1, per: 'token', note: 'across all bases' },
  ],
};
