import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * A stream over one connection of the GraphQL Admin API (REST is legacy for new apps:
 * https://shopify.dev/docs/api/admin-rest). Relay paging: `pageInfo { hasNextPage
 * endCursor }`, at most 250 per page (https://shopify.dev/docs/api/usage/pagination-graphql).
 * "Changed since" is the search syntax in the `query` argument; dates must be quoted
 * (https://shopify.dev/docs/api/usage/search-syntax). Fields stay flat: a page's cost is
 * about `first` points, well under the 1,000 a single query may cost.
 */
function connection(name: string, field: string, fields: string, description: string, deleted: string): StreamInput {
  return {
    name,
    description,
    method: 'POST',
    path: '/graphql.json',
    graphql: {
      query: `query Junction($first: Int!, $after: String, $query: String) {
  ${field}(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    edges { node { ${fields} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    },
    records: { path: ['data', field, 'edges'], node: 'node' },
    primaryKey: ['id'],
    cursorField: { path: ['updatedAt'], format: 'iso8601' },
    incremental: { kind: 'filter', field: { in: 'variable', name: 'query' }, format: 'iso8601', template: "updated_at:>='{value}'", on: 'modified' },
    lookbackSeconds: 60,
    // Deleted objects are gone from queries; the webhook topic says which.
    deletions: { kind: 'tombstone-event', events: [deleted] },
    pagination: { kind: 'graphql-page-info', pageInfo: ['data', field, 'pageInfo'], cursorVariable: 'after' },
    pageSize: { field: { in: 'variable', name: 'first' }, max: 250 },
  };
}

/**
 * Webhook subscriptions through the GraphQL Admin API
 * (https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate):
 * one topic each, written as X-Shopify-Topic names it (`orders/create`, sent as the enum
 * `ORDERS_CREATE`); Shopify checks the topic. `uri` replaced `callbackUrl` in 2025-10.
 * Shopify signs with the app's client secret, so the connection must hold it already.
 */
export const shopifyWebhookRegistration = {
  api: 'shopify-graphql',
  create: '/graphql.json',
  delete: '/graphql.json',
  eventPattern: '[a-z_]+/[a-z_]+',
  maxEvents: 1,
} as const satisfies NonNullable<NonNullable<IntegrationInput['webhooks']>['registration']>;

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
  // X-Shopify-Topic names the event: `orders/create`, `customers/update`, …
  webhooks: {
    scheme: 'shopify',
    secret: 'app',
    idHeader: 'X-Shopify-Webhook-Id',
    registration: shopifyWebhookRegistration,
    events: { orders: [{ stream: 'orders' }], customers: [{ stream: 'customers' }], products: [{ stream: 'products' }] },
  },
  streams: [
    // https://shopify.dev/docs/api/admin-graphql/latest/queries/orders
    connection(
      'orders',
      'orders',
      'id name createdAt updatedAt processedAt cancelledAt closedAt displayFinancialStatus displayFulfillmentStatus currencyCode totalPriceSet { shopMoney { amount currencyCode } } customer { id }',
      'Orders, oldest change first. Without the read_all_orders scope Shopify answers only the last 60 days.',
      'orders/delete',
    ),
    // https://shopify.dev/docs/api/admin-graphql/latest/queries/customers (defaultEmailAddress since 2025-04)
    connection(
      'customers',
      'customers',
      'id displayName createdAt updatedAt state tags numberOfOrders verifiedEmail defaultEmailAddress { emailAddress } amountSpent { amount currencyCode }',
      'Customers, oldest change first.',
      'customers/delete',
    ),
    // https://shopify.dev/docs/api/admin-graphql/latest/queries/products
    connection(
      'products',
      'products',
      'id title handle status vendor productType tags createdAt updatedAt publishedAt totalInventory',
      'Products, oldest change first.',
      'products/delete',
    ),
  ],
};
