import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * Every list answers `{ "object": "list", "data": [...], "has_more": … }`, newest first;
 * the next page starts after the last object's id, `limit` is 1 to 100
 * (https://docs.stripe.com/api/pagination). Lists filter on creation only (`created[gte]`,
 * Unix seconds): an incremental sync sees new objects, not changes to older ones, which
 * only the Events API and webhooks report.
 */
const list = {
  method: 'GET',
  records: { path: ['data'] },
  primaryKey: ['id'],
  cursorField: { path: ['created'], format: 'unix-seconds' },
  incremental: { kind: 'filter', field: { in: 'query', name: 'created[gte]' }, format: 'unix-seconds', on: 'created' },
  lookbackSeconds: 60,
  pagination: { kind: 'has-more', param: { in: 'query', name: 'starting_after' }, hasMore: ['has_more'] },
  pageSize: { field: { in: 'query', name: 'limit' }, max: 100 },
} satisfies Partial<StreamInput>;

/**
 * Webhook endpoints (https://docs.stripe.com/api/webhook_endpoints/create): Stripe makes
 * the signing secret and answers it once, in the created endpoint. Its list of
 * `enabled_events` grows with each API version, so names are checked for shape here and
 * judged by Stripe, whose 400 names the one it refused (`param: enabled_events[2]`).
 */
export const stripeEndpointRegistration = {
  api: 'stripe-webhook-endpoints',
  create: '/v1/webhook_endpoints',
  delete: '/v1/webhook_endpoints/{id}',
  eventPattern: '\\*|[a-z0-9_]+(\\.[a-z0-9_]+)+',
} as const satisfies NonNullable<NonNullable<IntegrationInput['webhooks']>['registration']>;

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
  // Event types are the object's type and what happened (https://docs.stripe.com/api/events/types).
  webhooks: {
    scheme: 'stripe',
    secret: 'endpoint',
    registration: stripeEndpointRegistration,
    events: {
      customer: [{ stream: 'customers' }],
      'customer.subscription': [{ stream: 'subscriptions' }],
      charge: [{ stream: 'charges' }],
      invoice: [{ stream: 'invoices' }],
    },
  },
  streams: [
    {
      // https://docs.stripe.com/api/customers/list: deleted customers leave the list.
      ...list,
      name: 'customers',
      description: 'Customers, newest first. Filtered on creation: changes to older customers need a full sync.',
      path: '/v1/customers',
      deletions: { kind: 'tombstone-event', events: ['customer.deleted'] },
    },
    {
      // https://docs.stripe.com/api/charges/list: charges are never deleted.
      ...list,
      name: 'charges',
      description: 'Charges, newest first. Filtered on creation: refunds and disputes of older charges need a full sync.',
      path: '/v1/charges',
      deletions: { kind: 'none' },
    },
    {
      // https://docs.stripe.com/api/invoices/list: only drafts can be deleted.
      ...list,
      name: 'invoices',
      description: 'Invoices, newest first. Filtered on creation: payments of older invoices need a full sync.',
      path: '/v1/invoices',
      deletions: { kind: 'tombstone-event', events: ['invoice.deleted'] },
    },
    {
      // https://docs.stripe.com/api/subscriptions/list: without status=all, canceled subscriptions are left out.
      ...list,
      name: 'subscriptions',
      description: 'Subscriptions in every status, canceled included. Filtered on creation: changes to older ones need a full sync.',
      path: '/v1/subscriptions',
      query: { status: 'all' },
      // A canceled subscription stays listed with status canceled; none is deleted.
      deletions: { kind: 'none' },
    },
  ],
};
