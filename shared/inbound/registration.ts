import type { WebhookRegistration } from '../integrations/schema';

/**
 * Each provider's API for webhook subscriptions, as its documentation writes it: the body
 * of the create and delete requests, and how their answers say what happened. The paths
 * and event names are the catalog's (`webhooks.registration`); the requests go out through
 * the proxy's `callProvider`, with the connection's credentials and provider budget.
 */
export interface RegistrationDialect {
  /**
   * Where the signing secret comes from: Junction's own, sent in the create request
   * (`ours`); made by the provider and answered once (`provider`); the app's client secret,
   * which the connection must hold already (`app`).
   */
  secret: 'ours' | 'provider' | 'app';
  createRequest(input: { url: string; events: string[]; secret: string | undefined; connectionId: string }): Body;
  /** The created subscription, or what the provider said instead. */
  readCreated(status: number, json: unknown): { providerId: string; secret?: string } | Refusal;
  deleteRequest(providerId: string): Body;
  /** `removed`; `gone` when the provider no longer had it; or what it said instead. */
  readDeleted(status: number, json: unknown): 'removed' | 'gone' | Refusal;
}

interface Body {
  method: 'POST' | 'DELETE';
  body?: string;
  contentType?: string;
}

/** A provider's "no", in its own words (redacted before anyone sees them: subscriptions.ts). */
export interface Refusal {
  refused: true;
  message: string | undefined;
  /** Which of the asked events it refused, when it says so. */
  eventIndex?: number;
  /** A GraphQL answer (HTTP 200) that means the credentials may not do this, or to slow down. */
  denied?: boolean;
  throttled?: boolean;
}

const record = (value: unknown): Record<string, unknown> | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const refusal = (message: string | undefined, extra: Partial<Refusal> = {}): Refusal => ({ refused: true, message, ...extra });

/**
 * GitHub repository webhooks (https://docs.github.com/en/rest/repos/webhooks): create
 * answers 201 with the hook (`id` a number); delete answers 204; errors are
 * `{ message, errors: [{ resource, code, message }] }` (422 Validation Failed).
 */
const githubHooks: RegistrationDialect = {
  secret: 'ours',
  createRequest: ({ url, events, secret }) => ({
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify({ name: 'web', active: true, events, config: { url, content_type: 'json', insecure_ssl: '0', secret } }),
  }),
  readCreated(status, json) {
    const id = record(json)?.id;
    if (status === 201 && (typeof id === 'number' || typeof id === 'string')) return { providerId: String(id) };
    return refusal(githubMessage(json));
  },
  deleteRequest: () => ({ method: 'DELETE' }),
  readDeleted: (status, json) => (status === 204 || status === 200 ? 'removed' : status === 404 ? 'gone' : refusal(githubMessage(json))),
};

function githubMessage(json: unknown): string | undefined {
  const body = record(json);
  const details = Array.isArray(body?.errors) ? body.errors.map((e) => text(record(e)?.message) ?? text(record(e)?.code)).filter(Boolean) : [];
  return [text(body?.message), ...details].filter(Boolean).join(': ') || undefined;
}

/**
 * Stripe webhook endpoints (https://docs.stripe.com/api/webhook_endpoints): form-encoded
 * `enabled_events[]` as stripe-node sends them (`enabled_events[0]`, …); the created
 * endpoint carries `secret` (`whsec_…`), shown by Stripe this once; delete answers
 * `{ id, deleted: true }`, 404 `resource_missing` when it is gone. A refused event is named
 * in `error.param` (`enabled_events[2]`).
 */
const stripeWebhookEndpoints: RegistrationDialect = {
  secret: 'provider',
  createRequest({ url, events, connectionId }) {
    const form = new URLSearchParams({ url, description: `Junction connection ${connectionId}` });
    events.forEach((event, i) => form.append(`enabled_events[${i}]`, event));
    return { method: 'POST', contentType: 'application/x-www-form-urlencoded', body: form.toString() };
  },
  readCreated(status, json) {
    const body = record(json);
    if (status >= 200 && status < 300 && text(body?.id) && text(body?.secret)) return { providerId: String(body!.id), secret: String(body!.secret) };
    const error = record(body?.error);
    const index = /^enabled_events\[(\d+)\]$/.exec(text(error?.param) ?? '')?.[1];
    return refusal(text(error?.message), index === undefined ? {} : { eventIndex: Number(index) });
  },
  deleteRequest: () => ({ method: 'DELETE' }),
  readDeleted(status, json) {
    const body = record(json);
    if (status >= 200 && status < 300 && body?.deleted === true) return 'removed';
    if (status === 404) return 'gone';
    return refusal(text(record(body?.error)?.message));
  },
};

const createSubscription = `mutation JunctionWebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}`;
const deleteSubscription = `mutation JunctionWebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}`;

/**
 * Shopify's GraphQL Admin API: HTTP 200 either way, with `userErrors` for a refusal of the
 * input and top-level `errors` for the rest (`ACCESS_DENIED` without the scope, `THROTTLED`,
 * an unknown topic failing the enum's validation). Topics are enum values: `orders/create`
 * is `ORDERS_CREATE`.
 */
const shopifyGraphql: RegistrationDialect = {
  secret: 'app',
  createRequest: ({ url, events }) => ({
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify({ query: createSubscription, variables: { topic: events[0]!.toUpperCase().replace('/', '_'), webhookSubscription: { uri: url, format: 'JSON' } } }),
  }),
  readCreated(status, json) {
    const payload = record(record(record(json)?.data)?.webhookSubscriptionCreate);
    const id = text(record(payload?.webhookSubscription)?.id);
    if (status === 200 && id) return { providerId: id };
    return shopifyRefusal(json, payload);
  },
  deleteRequest: (providerId) => ({ method: 'POST', contentType: 'application/json', body: JSON.stringify({ query: deleteSubscription, variables: { id: providerId } }) }),
  readDeleted(status, json) {
    const payload = record(record(record(json)?.data)?.webhookSubscriptionDelete);
    if (status === 200 && text(payload?.deletedWebhookSubscriptionId)) return 'removed';
    const refused = shopifyRefusal(json, payload);
    return /does not exist|not found/i.test(refused.message ?? '') ? 'gone' : refused;
  },
};

function shopifyRefusal(json: unknown, payload: Record<string, unknown> | undefined): Refusal {
  const userErrors = Array.isArray(payload?.userErrors) ? payload.userErrors.map(record) : [];
  if (userErrors.length > 0) return refusal(userErrors.map((e) => text(e?.message)).filter(Boolean).join('; ') || undefined);
  const errors = Array.isArray(record(json)?.errors) ? (record(json)!.errors as unknown[]).map(record) : [];
  const codes = errors.map((e) => text(record(e?.extensions)?.code));
  const message = errors.map((e) => text(e?.message)).filter(Boolean).join('; ') || text(record(json)?.errors);
  return refusal(message, {
    ...(codes.includes('ACCESS_DENIED') ? { denied: true } : {}),
    ...(codes.includes('THROTTLED') ? { throttled: true } : {}),
    // The topic is the one variable a caller chooses: a failed validation of it names `$topic`.
    ...(/\$topic\b/.test(message ?? '') ? { eventIndex: 0 } : {}),
  });
}

export const registrationDialects: Record<WebhookRegistration['api'], RegistrationDialect> = {
  'github-hooks': githubHooks,
  'stripe-webhook-endpoints': stripeWebhookEndpoints,
  'shopify-graphql': shopifyGraphql,
};
