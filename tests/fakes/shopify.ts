import { iso, startProvider, type Answer, type FakeProvider, type ProviderRecord } from './provider';

/**
 * Shopify's GraphQL Admin API (https://shopify.dev/docs/api/admin-graphql), for the
 * connections a sync pages through:
 *
 * - `POST /admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`, a body of
 *   `{ query, variables }`; the root fields `orders`, `customers`, `products` with
 *   `first` (≤ 250), `after`, `query` (the search syntax: `updated_at:>'…'` or `>=`),
 *   `sortKey` (`ID`, `UPDATED_AT`) and `reverse`, given literally or as variables;
 * - `{ data: { <root>: { edges: [{ cursor, node }], pageInfo: { hasNextPage, endCursor } } },
 *   extensions: { cost: { …, throttleStatus } } }`
 *   (https://shopify.dev/docs/api/usage/pagination-graphql);
 * - throttling as the GraphQL API does it: HTTP 200 with `errors[].extensions.code:
 *   "THROTTLED"` and the bucket in `extensions.cost.throttleStatus`
 *   (https://shopify.dev/docs/api/usage/limits); 401 for a bad token.
 *
 * - webhook subscriptions (https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate):
 *   `webhookSubscriptionCreate(topic, webhookSubscription: { uri, format })` and
 *   `webhookSubscriptionDelete(id)`, with their variables; an unknown topic fails the enum's
 *   validation (a top-level error naming `$topic`), the same topic and address twice is a
 *   `userErrors` entry, and so is deleting one that does not exist.
 *
 * It reads only what a sync's query needs from the query text; nodes carry every field the
 * record has (a real server answers only the selected ones).
 */
export interface FakeShopify extends FakeProvider {
  add(root: Root, fields?: Record<string, unknown>, at?: number): ProviderRecord;
  /** The cost bucket: 2,000 points, restoring 100 a second (standard plans). */
  available: number;
}

export type Root = 'orders' | 'customers' | 'products';
const types: Record<Root, string> = { orders: 'Order', customers: 'Customer', products: 'Product' };
const maximum = 2000;

const cost = (requested: number, actual: number | null, available: number) => ({
  cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: { maximumAvailable: maximum, currentlyAvailable: available, restoreRate: 100 } },
});
const graphqlError = (message: string, code?: string): Answer => ({ status: 200, body: { errors: [{ message, ...(code ? { extensions: { code } } : {}) }] } });

export async function startFakeShopify(): Promise<FakeShopify> {
  let sequence = 0;
  const fake = (await startProvider({
    tokenOf: (request) => request.headers['x-shopify-access-token'] as string | undefined,
    fault(fault, provider) {
      const shopify = provider as FakeShopify;
      if (fault === 'rate-limit') {
        return { status: 200, body: { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], extensions: cost(252, null, Math.min(shopify.available, 20)) } };
      }
      if (fault === 'expired-token') return { status: 401, body: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' } };
      if (fault === 'wrong-shape') return { status: 200, body: { data: { orders: { edges: 'none' } } } };
      return { status: 500, body: { errors: 'Internal Server Error' } };
    },
    handle(request, provider) {
      const shopify = provider as FakeShopify;
      if (request.method !== 'POST' || !/^\/admin\/api\/\d{4}-\d{2}\/graphql\.json$/.test(request.path)) return { status: 404, body: { errors: 'Not Found' } };
      let body: { query?: string; variables?: Record<string, unknown> };
      try {
        body = JSON.parse(request.body);
      } catch {
        return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
      }
      const query = body.query ?? '';
      if (/\bwebhookSubscription(Create|Delete)\s*\(/.test(query)) return subscription(shopify, query, body.variables ?? {}, () => ++sequence);
      const field = /\b(orders|customers|products)\s*\(([^)]*)\)/.exec(query);
      if (!field) return graphqlError(`Field doesn't exist on type 'QueryRoot'`, 'undefinedField');
      const root = field[1] as Root;
      const args = argumentsOf(field[2]!, body.variables ?? {});
      const first = Number(args.first ?? NaN);
      if (!Number.isInteger(first) || first < 1 || first > 250) return graphqlError('The first argument must be between 1 and 250', 'BAD_REQUEST');
      const requested = 2 + first;
      if (shopify.available < requested) {
        return { status: 200, body: { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], extensions: cost(requested, null, shopify.available) } };
      }
      const filter = /^updated_at:(>=|>)'?([^']+)'?$/.exec(String(args.query ?? '').trim());
      if (args.query && !filter) return graphqlError(`Invalid search query: ${args.query}`, 'BAD_REQUEST');
      const since = filter ? Date.parse(filter[2]!) : undefined;
      const byUpdated = args.sortKey === 'UPDATED_AT';
      let matching = shopify
        .records(root)
        .filter((record) => since === undefined || (filter![1] === '>=' ? record.updated >= since : record.updated > since))
        .sort((a, b) => (byUpdated ? a.updated - b.updated : 0) || Number(a.id) - Number(b.id));
      if (args.reverse === true) matching = matching.reverse();
      const cursorOf = (record: ProviderRecord) => Buffer.from(JSON.stringify({ last_id: Number(record.id), last_value: byUpdated ? iso(record.updated) : record.id })).toString('base64');
      let start = 0;
      if (args.after) {
        start = matching.findIndex((record) => cursorOf(record) === args.after) + 1;
        if (start === 0) return graphqlError('Invalid cursor for current pagination sort.', 'BAD_REQUEST');
      }
      const page = matching.slice(start, start + first);
      const actual = 2 + page.length;
      shopify.available -= actual;
      return {
        status: 200,
        body: {
          data: {
            [root]: {
              edges: page.map((record) => {
                const { id, created, updated, ...fields } = record;
                return { cursor: cursorOf(record), node: { id: `gid://shopify/${types[root]}/${id}`, createdAt: iso(created), updatedAt: iso(updated), ...fields } };
              }),
              pageInfo: {
                hasNextPage: start + first < matching.length,
                hasPreviousPage: start > 0,
                startCursor: page[0] ? cursorOf(page[0]) : null,
                endCursor: page.at(-1) ? cursorOf(page.at(-1)!) : null,
              },
            },
          },
          extensions: cost(requested, actual, shopify.available),
        },
      };
    },
  })) as FakeShopify;
  fake.available = maximum;
  // The bucket refills at its restore rate, as Shopify's does.
  const refill = setInterval(() => (fake.available = Math.min(maximum, fake.available + 10)), 100);
  refill.unref();
  const close = fake.close;
  fake.close = () => (clearInterval(refill), close());
  fake.add = (root, fields = {}, at = Date.now()) => {
    const record: ProviderRecord = { id: String(5_000_000 + ++sequence), created: at, updated: at, ...fields };
    fake.records(root).push(record);
    return record;
  };
  return fake;
}

/** Topics the fake knows, of the enum's few hundred (https://shopify.dev/docs/api/admin-graphql/latest/enums/WebhookSubscriptionTopic). */
const topics = new Set(['APP_UNINSTALLED', 'CUSTOMERS_CREATE', 'CUSTOMERS_DELETE', 'CUSTOMERS_UPDATE', 'ORDERS_CREATE', 'ORDERS_DELETE', 'ORDERS_UPDATED', 'PRODUCTS_CREATE', 'PRODUCTS_DELETE', 'PRODUCTS_UPDATE']);

function subscription(shopify: FakeShopify, query: string, variables: Record<string, unknown>, nextId: () => number): Answer {
  const stored = shopify.records('webhookSubscriptions');
  const extensions = cost(10, 10, shopify.available);
  if (/webhookSubscriptionDelete/.test(query)) {
    const at = stored.findIndex((record) => `gid://shopify/WebhookSubscription/${record.id}` === variables.id);
    if (at < 0) return { status: 200, body: { data: { webhookSubscriptionDelete: { deletedWebhookSubscriptionId: null, userErrors: [{ field: ['id'], message: 'Webhook subscription does not exist' }] } }, extensions } };
    stored.splice(at, 1);
    return { status: 200, body: { data: { webhookSubscriptionDelete: { deletedWebhookSubscriptionId: variables.id, userErrors: [] } }, extensions } };
  }
  const topic = variables.topic;
  if (typeof topic !== 'string' || !topics.has(topic)) {
    return { status: 200, body: { errors: [{ message: `Variable $topic of type WebhookSubscriptionTopic! was provided invalid value`, extensions: { code: 'INVALID_VARIABLE', value: topic, problems: [{ path: [], explanation: `Expected "${String(topic)}" to be one of: ${[...topics].join(', ')}` }] } }] } };
  }
  const input = (variables.webhookSubscription ?? {}) as { uri?: unknown; callbackUrl?: unknown; format?: unknown };
  const uri = input.uri ?? input.callbackUrl;
  const userError = (message: string) => ({ status: 200, body: { data: { webhookSubscriptionCreate: { webhookSubscription: null, userErrors: [{ field: ['webhookSubscription', 'uri'], message }] } }, extensions } });
  if (typeof uri !== 'string' || !/^https?:\/\//.test(uri)) return userError('Address is invalid');
  if (stored.some((record) => record.topic === topic && record.uri === uri)) return userError('Address for this topic has already been taken');
  const now = Date.now();
  const record: ProviderRecord = { id: String(1_000_000 + nextId()), created: now, updated: now, topic, uri, format: input.format ?? 'JSON' };
  stored.push(record);
  const node = { id: `gid://shopify/WebhookSubscription/${record.id}`, topic, uri, format: record.format, createdAt: iso(now), updatedAt: iso(now) };
  return { status: 200, body: { data: { webhookSubscriptionCreate: { webhookSubscription: node, userErrors: [] } }, extensions } };
}

/** `first: $first, after: $after, query: "…", sortKey: UPDATED_AT` with the variables substituted. */
function argumentsOf(text: string, variables: Record<string, unknown>): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [, name, raw] of text.matchAll(/(\w+)\s*:\s*("(?:[^"\\]|\\.)*"|\$\w+|[\w.-]+)/g)) {
    if (raw!.startsWith('$')) args[name!] = variables[raw!.slice(1)];
    else if (raw!.startsWith('"')) args[name!] = JSON.parse(raw!);
    else if (/^\d+$/.test(raw!)) args[name!] = Number(raw);
    else args[name!] = raw === 'true' ? true : raw === 'false' ? false : raw;
  }
  return args;
}
