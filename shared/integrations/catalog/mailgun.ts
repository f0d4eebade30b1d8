import type { IntegrationInput } from '../schema';

export const mailgun: IntegrationInput = {
  key: 'mailgun',
  name: 'Mailgun',
  category: 'email',
  description: 'Sending domains, messages, events and suppressions.',
  docsUrl: 'https://documentation.mailgun.com/docs/mailgun/api-reference/',
  baseUrl: 'https://api.mailgun.net/v3',
  // EU accounts use api.eu.mailgun.net: override the base URL.
  baseUrlOverride: { hostSuffixes: ['.mailgun.net'] },
  auth: [
    {
      type: 'basic',
      fields: [
        {
          name: 'username',
          label: 'Username (always api)',
          secret: false,
          pattern: 'api',
          hint: 'the word api',
          maxLength: 255,
        },
        { name: 'password', label: 'API key', secret: true, maxLength: 255 },
      ],
    },
  ],
  check: { method: 'GET', path: '/domains' },
};
