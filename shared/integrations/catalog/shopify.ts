import type { IntegrationInput } from '../schema';

export const shopify: IntegrationInput = {
  key: 'shopify',
  name: 'Shopify',
  category: 'ecommerce',
  description: "A shop's products, orders, customers and inventory, through the Admin API.",
  docsUrl: 'https://shopify.dev/docs/api/admin-rest',
  // Shopify supports each quarterly version for at least 12 months, then answers with the
  // oldest supported one (https://shopify.dev/docs/api/usage/versioning): move this on yearly.
  baseUrl: 'https://{shop}.myshopify.com/admin/api/2026-07',
  params: [
    {
      name: 'shop',
      label: 'Shop',
      description: "The shop's myshopify.com subdomain: acme-store for acme-store.myshopify.com.",
      pattern: '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?',
      hint: 'the subdomain of a myshopify.com address (lowercase letters, digits and hyphens)',
      maxLength: 63,
      required: true,
      example: 'acme-store',
    },
  ],
  auth: [
    {
      // A custom app's Admin API access token, sent in Shopify's own header.
      type: 'api_key',
      sendAs: { in: 'header', name: 'X-Shopify-Access-Token' },
      fields: [
        {
          name: 'apiKey',
          label: 'Admin API access token',
          secret: true,
          pattern: 'shp[a-z]{2}_[A-Za-z0-9]{32,}',
          hint: 'an Admin API access token (shpat_…)',
          maxLength: 255,
        },
      ],
    },
    { type: 'oauth2' },
  ],
  oauth2: {
    authorizationUrl: 'https://{shop}.myshopify.com/admin/oauth/authorize',
    tokenUrl: 'https://{shop}.myshopify.com/admin/oauth/access_token',
    scopeSeparator: ',',
    defaultScopes: ['read_products'],
    pkce: 'unsupported',
    clientAuth: 'post',
    // Expiring offline tokens: one hour, and each refresh replaces the refresh token. Public
    // apps must use them from 1 January 2027 (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens).
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/shop.json' },
  rateLimits: [
    {
      requests: 2,
      perSeconds: 1,
      per: 'app-per-account',
      note: 'REST Admin API, leaky bucket of 40 requests; 4 per second on Advanced, 20 on Plus',
    },
  ],
  // X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the app's client secret.
  webhooks: { scheme: 'shopify', secret: 'app', idHeader: 'X-Shopify-Webhook-Id' },
};
