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
 * Records: collections named as the endpoints; `add` fills in the object's fields.
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
