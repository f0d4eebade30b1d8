import type { IntegrationInput } from '../schema';

export const sendgrid: IntegrationInput = {
  key: 'sendgrid',
  name: 'SendGrid',
  category: 'email',
  description: 'Transactional and marketing email by Twilio SendGrid, through the v3 API.',
  docsUrl: 'https://www.twilio.com/docs/sendgrid/api-reference',
  baseUrl: 'https://api.sendgrid.com/v3',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
      fields: [
        {
          name: 'apiKey',
          label: 'API key',
          secret: true,
          // SendGrid keys are 69 characters: SG.<22>.<43>.
          pattern: 'SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}',
          hint: 'an API key (SG.…, 69 characters)',
          maxLength: 69,
        },
      ],
    },
  ],
  // Lists the key's own scopes: works for a key of any permission set.
  check: { method: 'GET', path: '/scopes' },
};
