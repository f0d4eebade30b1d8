import type { IntegrationInput } from '../schema';

export const paddle: IntegrationInput = {
  key: 'paddle',
  name: 'Paddle',
  category: 'payments',
  description: 'Products, prices, customers, subscriptions and transactions in Paddle Billing.',
  docsUrl: 'https://developer.paddle.com/api-reference/overview',
  baseUrl: 'https://api.paddle.com',
  baseUrlOverride: { hostSuffixes: ['.paddle.com'] },
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
      fields: [{ name: 'apiKey', label: 'API key', secret: true, maxLength: 255 }],
    },
  ],
  check: { method: 'GET', path: '/event-types' },
  rateLimits: [
    {
      requests: 240,
      perSeconds: 60,
      per: 'account',
      note: 'per IP address; sandbox at sandbox-api.paddle.com',
    },
  ],
};
