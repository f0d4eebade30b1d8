import type { IntegrationInput } from '../schema';

export const brevo: IntegrationInput = {
  key: 'brevo',
  name: 'Brevo',
  category: 'marketing',
  description: 'Contacts, lists, email campaigns and transactional email (formerly Sendinblue).',
  docsUrl: 'https://developers.brevo.com/reference',
  baseUrl: 'https://api.brevo.com/v3',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'api-key' },
      fields: [
        {
          name: 'apiKey',
          label: 'API key',
          secret: true,
          pattern: 'xkeysib-[A-Za-z0-9-]{20,}',
          hint: 'an API v3 key (xkeysib-…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/account' },
};
