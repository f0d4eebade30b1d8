import type { IntegrationInput } from '../schema';

export const square: IntegrationInput = {
  key: 'square',
  name: 'Square',
  category: 'payments',
  description: 'Payments, orders, customers and catalog of a Square seller.',
  docsUrl: 'https://developer.squareup.com/reference/square',
  baseUrl: 'https://connect.squareup.com/v2',
  // Pinned API version (https://developer.squareup.com/docs/build-basics/versioning-overview).
  headers: { 'Square-Version': '2025-10-16' },
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Access token',
          secret: true,
          pattern: 'EAAA[A-Za-z0-9_-]{20,}',
          hint: 'a Square access token (EAAA…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/locations' },
  rateLimits: [
    {
      requests: 10,
      perSeconds: 1,
      per: 'account',
      note: 'Square does not publish fixed limits; it answers 429 when a seller sends too many requests',
    },
  ],
};
