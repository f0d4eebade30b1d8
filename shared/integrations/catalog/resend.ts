import type { IntegrationInput } from '../schema';

export const resend: IntegrationInput = {
  key: 'resend',
  name: 'Resend',
  category: 'email',
  description: 'Emails, domains, audiences and contacts.',
  docsUrl: 'https://resend.com/docs/api-reference/introduction',
  baseUrl: 'https://api.resend.com',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
      fields: [
        {
          name: 'apiKey',
          label: 'API key',
          secret: true,
          pattern: 're_[A-Za-z0-9_]{20,}',
          hint: 'an API key (re_…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/domains' },
  rateLimits: [
    {
      requests: 2,
      perSeconds: 1,
      per: 'account',
      note: 'default for every team; raised on request',
    },
  ],
};
