import type { IntegrationInput } from '../schema';

export const stripe: IntegrationInput = {
  key: 'stripe',
  name: 'Stripe',
  category: 'payments',
  description: 'Payments, customers, subscriptions and invoices.',
  docsUrl: 'https://docs.stripe.com/api',
  baseUrl: 'https://api.stripe.com',
  auth: [
    {
      type: 'api_key',
      // Stripe documents the key as the HTTP Basic username and accepts it as a Bearer
      // token too (https://docs.stripe.com/api/authentication); Bearer is the simpler form.
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
      fields: [
        {
          name: 'apiKey',
          label: 'Secret or restricted key',
          secret: true,
          pattern: '(sk|rk)_(live|test)_[A-Za-z0-9]+',
          hint: 'a secret key (sk_live_…, sk_test_…) or a restricted key (rk_live_…, rk_test_…)',
          maxLength: 255,
        },
      ],
    },
  ],
  // A restricted key needs read access to Balance for this check to pass.
  check: { method: 'GET', path: '/v1/balance' },
  rateLimits: [
    {
      requests: 100,
      perSeconds: 1,
      per: 'account',
      note: 'live mode; 25 per second in sandboxes, and most endpoints also allow 25 per second on their own (https://docs.stripe.com/rate-limits)',
    },
  ],
  // Stripe-Signature, HMAC-SHA256 of "t.body" with the endpoint's whsec_ secret; deduplicate on the event id.
  webhooks: { scheme: 'stripe', secret: 'endpoint' },
};
