import { randomBytes } from 'node:crypto';
import { bearerToken, intParam, startProvider, type Answer, type FakeProvider, type ProviderRecord, type ProviderRequest } from './provider';

/**
 * Stripe's API (https://docs.stripe.com/api), for the calls Junction makes: Bearer secret
 * keys, `{ "error": { type, code, message, param } }` on failure, `GET /v1/balance` (the
 * connection test), and the list endpoints a sync reads (`customers`, `charges`,
 * `invoices`, `subscriptions`):
 *
 * - newest first; `limit` 1–100 (10 by default), `starting_after` / `ending_before` an
 *   object id, `created[gte|gt|lte|lt]` in Unix seconds; the answer is a list object
 *   `{ object: "list", data, has_more, url }` (https://docs.stripe.com/api/pagination);
 * - subscriptions leave out canceled ones unless `status=all`;
 * - 429 for its rate limits, with `Stripe-Rate-Limited-Reason` and no documented
 *   Retry-After (https://docs.stripe.com/rate-limits).
 *
 * - webhook endpoints (https://docs.stripe.com/api/webhook_endpoints): `POST` form-encoded
 *   `url` and `enabled_events[]` (`enabled_events[0]`, … as stripe-node sends them), answered
 *   with the endpoint and its `secret` (`whsec_…`), which only the create answer carries;
 *   `GET` (list, one) and `DELETE` (`{ id, object, deleted: true }`, 404 `resource_missing`
 *   when gone); 400 naming `param: enabled_events[N]` for an event type it does not know.
 *
 * Records: collections named as the endpoints (`webhook_endpoints` with their secrets, for
 * tests to sign deliveries with); `add` fills in the object's fields.
 */
export interface FakeStripe extends FakeProvider {
  add(collection: Collection, fields?: Partial<ProviderRecord>): ProviderRecord;
}

export type Collection = 'customers' | 'charges' | 'invoices' | 'subscriptions';
const objects: Record<Collection, { object: string; prefix: string }> = {
  customers: { object: 'customer', prefix: 'cus' },
  charges: { object: 'charge', prefix: 'ch' },
  invoices: { object: 'invoice', prefix: 'in' },
  subscriptions: { object: 'subscription', prefix: 'sub' },
};

const error = (status: number, type: string, message: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'request-id': `req_${Math.random().toString(36).slice(2, 16)}`, ...headers },
  body: { error: { type, message, ...extra } },
});

export async function startFakeStripe(): Promise<FakeStripe> {
  let sequence = 0;
  const fake = (await startProvider({
    tokenOf: bearerToken,
    fault(fault) {
      if (fault === 'rate-limit') {
        return error(429, 'invalid_request_error', 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.', { code: 'rate_limit' }, { 'stripe-rate-limited-reason': 'global-rate' });
      }
      if (fault === 'wrong-shape') return { status: 200, body: { object: 'list', data: { id: 'not-a-list' }, has_more: false } };
      if (fault === 'expired-token') return error(401, 'invalid_request_error', 'Invalid API Key provided: sk_live_****************');
      return error(500, 'api_error', 'Something went wrong on our end.');
    },
    handle(request, provider) {
      if (request.method === 'GET' && request.path === '/v1/balance') {
        return { status: 200, body: { object: 'balance', available: [{ amount: 0, currency: 'usd' }], livemode: false, pending: [] } };
      }
      const endpoint = /^\/v1\/webhook_endpoints(?:\/([A-Za-z0-9_]+))?$/.exec(request.path);
      if (endpoint) return webhookEndpoint(request, provider, endpoint[1], () => ++sequence);
      const collection = /^\/v1\/(customers|charges|invoices|subscriptions)$/.exec(request.path)?.[1] as Collection | undefined;
      if (request.method === 'GET' && collection) return list(request, provider, collection);
      return error(404, 'invalid_request_error', `Unrecognized request URL (${request.method}: ${request.path}).`);
    },
  })) as FakeStripe;
  fake.add = (collection, fields = {}) => {
    const now = Date.now();
    const record: ProviderRecord = { id: `${objects[collection].prefix}_${String(++sequence).padStart(14, '0')}`, created: now + sequence, updated: now + sequence, ...fields };
    fake.records(collection).push(record);
    return record;
  };
  return fake;
}

/**
 * Event types the fake knows (Stripe's list has a few hundred, growing with each API
 * version: https://docs.stripe.com/api/events/types); `*` is every one.
 */
const eventTypes = new Set([
  '*', 'charge.captured', 'charge.failed', 'charge.refunded', 'charge.succeeded', 'charge.updated',
  'customer.created', 'customer.deleted', 'customer.updated', 'customer.subscription.created',
  'customer.subscription.deleted', 'customer.subscription.updated', 'invoice.created', 'invoice.paid',
  'invoice.payment_failed', 'invoice.updated', 'payment_intent.created', 'payment_intent.payment_failed',
  'payment_intent.succeeded',
]);

/** A webhook endpoint as Stripe answers it; `secret` only in the create answer. */
function renderEndpoint(record: ProviderRecord, withSecret: boolean) {
  const { id, created, updated: _updated, secret, ...fields } = record;
  return { id, object: 'webhook_endpoint', api_version: null, application: null, created: Math.floor(created / 1000), livemode: false, metadata: {}, status: 'enabled', ...fields, ...(withSecret ? { secret } : {}) };
}

function webhookEndpoint(request: ProviderRequest, fake: FakeProvider, id: string | undefined, nextId: () => number): Answer {
  const stored = fake.records('webhook_endpoints');
  if (id === undefined && request.method === 'GET') return { status: 200, body: { object: 'list', data: [...stored].reverse().map((r) => renderEndpoint(r, false)), has_more: false, url: request.path } };
  if (id === undefined && request.method === 'POST') {
    const form = new URLSearchParams(request.body);
    const url = form.get('url');
    if (!url) return error(400, 'invalid_request_error', 'Missing required param: url.', { param: 'url' });
    // stripe-node writes arrays with indices (`enabled_events[0]`); `enabled_events[]` is accepted as well.
    const events = [...form.entries()].filter(([name]) => /^enabled_events\[\d*\]$/.test(name)).map(([, value]) => value);
    if (events.length === 0) return error(400, 'invalid_request_error', 'Missing required param: enabled_events.', { param: 'enabled_events' });
    const unknown = events.findIndex((event) => !eventTypes.has(event));
    if (unknown >= 0) return error(400, 'invalid_request_error', `Invalid enabled_events[${unknown}]: must be one of ${[...eventTypes].slice(0, 3).join(', ')}, …`, { param: `enabled_events[${unknown}]` });
    const now = Date.now();
    const record: ProviderRecord = {
      id: `we_${String(nextId()).padStart(24, '0')}`,
      created: now,
      updated: now,
      url,
      enabled_events: events,
      description: form.get('description'),
      secret: `whsec_${randomBytes(24).toString('base64url')}`,
    };
    stored.push(record);
    return { status: 200, body: renderEndpoint(record, true) };
  }
  const at = stored.findIndex((r) => r.id === id);
  if (at < 0) return error(404, 'invalid_request_error', `No such webhook endpoint: '${id}'`, { code: 'resource_missing', param: 'id' });
  if (request.method === 'GET') return { status: 200, body: renderEndpoint(stored[at]!, false) };
  if (request.method === 'DELETE') {
    stored.splice(at, 1);
    return { status: 200, body: { id, object: 'webhook_endpoint', deleted: true } };
  }
  return error(404, 'invalid_request_error', `Unrecognized request URL (${request.method}: ${request.path}).`);
}

function list(request: ProviderRequest, fake: FakeProvider, collection: Collection): Answer {
  const { query } = request;
  const limit = intParam(query, 'limit', 10, 1, 100);
  if (limit === undefined) return error(400, 'invalid_request_error', 'Invalid integer: limit must be between 1 and 100', { param: 'limit' });
  const bounds: Array<[string, (created: number, bound: number) => boolean]> = [
    ['gte', (c, b) => c >= b],
    ['gt', (c, b) => c > b],
    ['lte', (c, b) => c <= b],
    ['lt', (c, b) => c < b],
  ];
  let matching = [...fake.records(collection)].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  for (const [name, holds] of bounds) {
    const raw = query.get(`created[${name}]`);
    if (raw === null) continue;
    if (!/^\d+$/.test(raw)) return error(400, 'invalid_request_error', `Invalid integer: ${raw}`, { param: `created[${name}]` });
    matching = matching.filter((record) => holds(Math.floor(record.created / 1000), Number(raw)));
  }
  if (collection === 'subscriptions' && query.get('status') !== 'all') matching = matching.filter((record) => record.status !== 'canceled');
  for (const [param, after] of [['starting_after', true], ['ending_before', false]] as const) {
    const id = query.get(param);
    if (id === null) continue;
    const at = matching.findIndex((record) => record.id === id);
    if (at < 0) return error(400, 'invalid_request_error', `No such ${objects[collection].object}: '${id}'`, { code: 'resource_missing', param });
    matching = after ? matching.slice(at + 1) : matching.slice(0, at);
  }
  const page = matching.slice(0, limit);
  return {
    status: 200,
    headers: { 'request-id': `req_${Math.random().toString(36).slice(2, 16)}` },
    body: {
      object: 'list',
      data: page.map(({ id, created, updated: _updated, ...fields }) => ({ id, object: objects[collection].object, created: Math.floor(created / 1000), livemode: false, ...fields })),
      has_more: matching.length > limit,
      url: request.path,
    },
  };
}
