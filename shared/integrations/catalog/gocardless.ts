import type { IntegrationInput } from '../schema';

export const gocardless: IntegrationInput = {
  key: 'gocardless',
  name: 'GoCardless',
  category: 'payments',
  description: 'Direct Debit mandates, payments and customers.',
  docsUrl: 'https://developer.gocardless.com/api-reference',
  baseUrl: 'https://api.gocardless.com',
  baseUrlOverride: { hostSuffixes: ['.gocardless.com'] },
  headers: { 'GoCardless-Version': '2015-07-06' },
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Access token',
          secret: true,
          pattern: '(live|sandbox)_[A-Za-z0-9_-]{20,}',
          hint: 'a live_ or sandbox_ access token',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/creditors' },
  rateLimits: [{ requests: 1000, perSeconds: 60, per: 'account' }],
};
