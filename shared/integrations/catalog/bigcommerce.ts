import type { IntegrationInput } from '../schema';

export const bigcommerce: IntegrationInput = {
  key: 'bigcommerce',
  name: 'BigCommerce',
  category: 'ecommerce',
  description: "A store's catalog, orders and customers through the V3 REST API.",
  docsUrl: 'https://developer.bigcommerce.com/docs/rest-management',
  baseUrl: 'https://api.bigcommerce.com/stores/{storeHash}/v3',
  params: [
    {
      name: 'storeHash',
      label: 'Store hash',
      description: 'The store hash from the API path shown with the API account: abc123 in /stores/abc123/v3.',
      pattern: '[a-z0-9]{5,20}',
      hint: 'the store hash (lowercase letters and digits)',
      maxLength: 20,
      required: true,
      example: 'abc123x',
    },
  ],
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'X-Auth-Token' },
      fields: [
        {
          name: 'apiKey',
          label: 'API account access token',
          secret: true,
          pattern: '[a-z0-9]{20,64}',
          hint: 'the access token of a store-level API account',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/catalog/summary' },
  rateLimits: [
    {
      requests: 150,
      perSeconds: 30,
      per: 'account',
      note: 'Standard and Plus plans; Pro allows 450 per 30 s, Enterprise more',
    },
  ],
};
