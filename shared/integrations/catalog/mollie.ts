import type { IntegrationInput } from '../schema';

export const mollie: IntegrationInput = {
  key: 'mollie',
  name: 'Mollie',
  category: 'payments',
  description: 'Payments, refunds, customers and subscriptions of a Mollie account.',
  docsUrl: 'https://docs.mollie.com/reference/overview',
  baseUrl: 'https://api.mollie.com/v2',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
      fields: [
        {
          name: 'apiKey',
          label: 'API key',
          secret: true,
          pattern: '(live|test)_[A-Za-z0-9]{30,}',
          hint: 'a live_ or test_ API key',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/methods' },
};
