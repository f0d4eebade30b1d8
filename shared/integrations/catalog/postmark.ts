import type { IntegrationInput } from '../schema';

export const postmark: IntegrationInput = {
  key: 'postmark',
  name: 'Postmark',
  category: 'email',
  description: 'Transactional email: messages, bounces, templates and server settings.',
  docsUrl: 'https://postmarkapp.com/developer',
  baseUrl: 'https://api.postmarkapp.com',
  headers: { Accept: 'application/json' },
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'X-Postmark-Server-Token' },
      fields: [
        {
          name: 'apiKey',
          label: 'Server API token',
          secret: true,
          pattern: '[a-f0-9-]{36}',
          hint: 'a server API token (a UUID)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/server' },
};
