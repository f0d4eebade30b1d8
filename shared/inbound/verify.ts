import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookSignature } from '../integrations/schema';
import { DomainError, Invalid, problemType } from '../platform/errors';

/**
 * Checks a provider's webhook signature on the exact bytes received, by the scheme its
 * catalog entry names, and reads what the rest of the pipeline needs: the delivery id
 * (deduplicated on), the event type (routed on), and whether it is a handshake.
 *
 * Every comparison of a signature is `timingSafeEqual` on equal-length digests, so the time
 * taken says nothing about how much of a forged signature was right. The formats and
 * tolerances are the providers' own (sources in /work/shared/FACTS.md):
 *
 *   stripe             Stripe-Signature: t=<unix>,v1=<hex HMAC(secret, "t.body")>[,v1=…]   300 s; id = body.id
 *   github             X-Hub-Signature-256: sha256=<hex HMAC(body)>                           id = X-GitHub-Delivery
 *   shopify            X-Shopify-Hmac-Sha256: <base64 HMAC(body)>                             id = X-Shopify-Webhook-Id
 *   slack              X-Slack-Signature: v0=<hex HMAC("v0:ts:body")>, X-Slack-Request-Timestamp   300 s; id = body.event_id
 *   standard-webhooks  webhook-signature: v1,<base64 HMAC(key, "id.ts.body")> …               300 s; id = webhook-id
 *   hmac-sha256        as the definition describes it
 */
export interface Delivery {
  /** Header names in lower case, as API Gateway hands them over. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Epoch milliseconds. */
  now: number;
}

export type Handshake = { kind: 'challenge'; challenge: string } | { kind: 'ping' };

export interface Verified {
  deliveryId: string;
  eventType: string | null;
  /** The body as JSON, when it is JSON (routing reads stream params from it). */
  json: unknown;
  handshake?: Handshake;
}

/** 401: the signature is missing, malformed, stale or wrong. Says which, never what was expected. */
export class SignatureRefused extends DomainError {
  constructor(detail: string) {
    super(401, problemType('invalid-signature'), 'The webhook signature does not verify', detail);
  }
}

/** Timestamps further than this from now are refused, where the scheme has them (Stripe, Slack, Standard Webhooks). */
export const defaultToleranceSeconds = 300;

/** Delivery ids are used in keys and shown back: printable ASCII, bounded. */
const deliveryIdPattern = /^[\x21-\x7e]{1,200}$/;

export function verifyDelivery(scheme: WebhookSignature, secret: string, delivery: Delivery): Verified {
  switch (scheme.scheme) {
    case 'stripe':
      return stripe(secret, delivery);
    case 'github':
      return github(secret, delivery);
    case 'shopify':
      return shopify(secret, delivery);
    case 'slack':
      return slack(secret, delivery);
    case 'standard-webhooks':
      return standardWebhooks(secret, delivery);
    case 'hmac-sha256':
      return genericHmac(scheme, secret, delivery);
  }
}

const hmac = (key: string | Buffer, ...parts: Array<string | Buffer>) => {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Whether `given` (already decoded) is `expected`, in constant time; a wrong length is simply false. */
function same(expected: Buffer, given: Buffer | undefined): boolean {
  return given !== undefined && given.length === expected.length && timingSafeEqual(expected, given);
}

/** Strict lowercase-or-uppercase hex of exactly a SHA-256 digest; undefined otherwise (a truncated digest is not a shorter match). */
function hex(text: string | undefined): Buffer | undefined {
  return text !== undefined && /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** Strict base64 of exactly a SHA-256 digest (44 characters, one `=`); hex or anything else is undefined. */
function base64(text: string | undefined): Buffer | undefined {
  return text !== undefined && /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, 'base64') : undefined;
}

function header(delivery: Delivery, name: string): string | undefined {
  const lower = name.toLowerCase();
  return delivery.headers[lower] ?? Object.entries(delivery.headers).find(([key]) => key.toLowerCase() === lower)?.[1];
}

function required(delivery: Delivery, name: string): string {
  const value = header(delivery, name);
  if (value === undefined || value === '') throw new SignatureRefused(`the ${name} header is missing`);
  return value;
}

/** A Unix-seconds timestamp within the tolerance of now. */
function fresh(text: string, toleranceSeconds: number, now: number, name: string): void {
  if (!/^\d{1,12}$/.test(text)) throw new SignatureRefused(`${name} is not a Unix timestamp in seconds`);
  if (Math.abs(now / 1000 - Number(text)) > toleranceSeconds) {
    throw new SignatureRefused(`${name} is more than ${toleranceSeconds} s away from now: a replay, or a clock off`);
  }
}

function deliveryId(value: unknown, where: string): string {
  if (typeof value !== 'string' || !deliveryIdPattern.test(value)) {
    throw new Invalid(`the delivery has no usable id in ${where}, so it cannot be deduplicated`, [{ field: where, message: 'must be 1 to 200 printable ASCII characters' }]);
  }
  return value;
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A string at `path` in a JSON value, or undefined. */
export function fieldAt(json: unknown, path: readonly string[]): string | undefined {
  let value = json;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function stripe(secret: string, delivery: Delivery): Verified {
  const entries = required(delivery, 'Stripe-Signature').split(',').map((part) => part.split('=', 2) as [string, string?]);
  const t = entries.find(([key]) => key === 't')?.[1];
  const signatures = entries.filter(([key]) => key === 'v1').map(([, value]) => hex(value));
  if (t === undefined || signatures.length === 0) throw new SignatureRefused('Stripe-Signature needs t= and at least one v1=');
  fresh(t, defaultToleranceSeconds, delivery.now, 'the Stripe-Signature timestamp');
  // The secret is used as written, whsec_ prefix included (Stripe's own libraries do so).
  const expected = hmac(secret, `${t}.`, delivery.body);
  // Every v1 is compared: during a secret's rotation Stripe signs with both.
  if (!signatures.map((given) => same(expected, given)).includes(true)) throw new SignatureRefused('no v1 signature in Stripe-Signature matches');
  const json = jsonOf(delivery.body);
  return { deliveryId: deliveryId(fieldAt(json, ['id']), 'body.id'), eventType: fieldAt(json, ['type']) ?? null, json };
}

function github(secret: string, delivery: Delivery): Verified {
  const signature = required(delivery, 'X-Hub-Signature-256');
  // sha1= (X-Hub-Signature) is GitHub's legacy header: SHA-1 only, never accepted.
  if (!signature.startsWith('sha256=')) throw new SignatureRefused('X-Hub-Signature-256 must be sha256=<hex digest>');
  if (!same(hmac(secret, delivery.body), hex(signature.slice('sha256='.length)))) throw new SignatureRefused('X-Hub-Signature-256 does not match the body');
  const json = jsonOf(delivery.body);
  const event = header(delivery, 'X-GitHub-Event');
  const action = fieldAt(json, ['action']);
  const verified: Verified = {
    deliveryId: deliveryId(header(delivery, 'X-GitHub-Delivery'), 'headers.x-github-delivery'),
    eventType: event ? (action ? `${event}.${action}` : event) : null,
    json,
  };
  // GitHub sends `ping` when a hook is created: answered, not stored.
  return event === 'ping' ? { ...verified, handshake: { kind: 'ping' } } : verified;
}

function shopify(secret: string, delivery: Delivery): Verified {
  const given = base64(required(delivery, 'X-Shopify-Hmac-Sha256'));
  if (!same(hmac(secret, delivery.body), given)) throw new SignatureRefused('X-Shopify-Hmac-Sha256 is not the base64 HMAC of the body');
  // Shopify signs no timestamp: the webhook id is the only defence against a replay.
  return {
    deliveryId: deliveryId(header(delivery, 'X-Shopify-Webhook-Id'), 'headers.x-shopify-webhook-id'),
    eventType: header(delivery, 'X-Shopify-Topic') ?? null,
    json: jsonOf(delivery.body),
  };
}

function slack(secret: string, delivery: Delivery): Verified {
  const signature = required(delivery, 'X-Slack-Signature');
  const timestamp = required(delivery, 'X-Slack-Request-Timestamp');
  fresh(timestamp, defaultToleranceSeconds, delivery.now, 'X-Slack-Request-Timestamp');
  if (!signature.startsWith('v0=') || !same(hmac(secret, `v0:${timestamp}:`, delivery.body), hex(signature.slice(3)))) {
    throw new SignatureRefused('X-Slack-Signature does not match v0:timestamp:body');
  }
  const json = jsonOf(delivery.body);
  if (fieldAt(json, ['type']) === 'url_verification') {
    const challenge = fieldAt(json, ['challenge']);
    if (challenge === undefined) throw new Invalid('a url_verification without a challenge', [{ field: 'body.challenge', message: 'is required' }]);
    return { deliveryId: 'url_verification', eventType: 'url_verification', json, handshake: { kind: 'challenge', challenge } };
  }
  // Events API deliveries carry event_id, the same on Slack's retries. Form posts (slash
  // commands, interactivity) have none and are never retried: their signature is unique.
  const eventId = fieldAt(json, ['event_id']);
  return {
    deliveryId: eventId !== undefined ? deliveryId(eventId, 'body.event_id') : `sig_${createHash('sha256').update(signature).digest('hex').slice(0, 32)}`,
    eventType: fieldAt(json, ['event', 'type']) ?? fieldAt(json, ['type']) ?? null,
    json,
  };
}

function standardWebhooks(secret: string, delivery: Delivery): Verified {
  const id = required(delivery, 'webhook-id');
  const timestamp = required(delivery, 'webhook-timestamp');
  fresh(timestamp, defaultToleranceSeconds, delivery.now, 'webhook-timestamp');
  // The secret is whsec_ + base64 of the key bytes (the spec); the key is the decoded bytes.
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const expected = hmac(key, `${id}.${timestamp}.`, delivery.body);
  // Space-separated `v1,<sig>` entries: any one matching is enough (rotation signs with two).
  const matches = required(delivery, 'webhook-signature')
    .split(' ')
    .map((entry) => (entry.startsWith('v1,') ? same(expected, base64(entry.slice(3))) : false));
  if (!matches.includes(true)) throw new SignatureRefused('no v1 entry of webhook-signature matches');
  const json = jsonOf(delivery.body);
  return { deliveryId: deliveryId(id, 'headers.webhook-id'), eventType: fieldAt(json, ['type']) ?? null, json };
}

function genericHmac(scheme: Extract<WebhookSignature, { scheme: 'hmac-sha256' }>, secret: string, delivery: Delivery): Verified {
  const raw = required(delivery, scheme.header);
  const prefix = scheme.prefix ?? '';
  if (!raw.startsWith(prefix)) throw new SignatureRefused(`${scheme.header} must start with ${prefix}`);
  const given = scheme.encoding === 'hex' ? hex(raw.slice(prefix.length)) : base64(raw.slice(prefix.length));
  const timestamp = scheme.timestampHeader ? required(delivery, scheme.timestampHeader) : undefined;
  if (timestamp !== undefined) fresh(timestamp, scheme.toleranceSeconds, delivery.now, scheme.timestampHeader!);
  const id = scheme.idHeader ? header(delivery, scheme.idHeader) : undefined;
  // The template's text around {body}, with {timestamp} and {id} filled; the body's bytes go in as they are.
  const fill = (text: string) => text.replaceAll('{timestamp}', timestamp ?? '').replaceAll('{id}', id ?? '');
  const [before, after] = scheme.signedContent.split('{body}') as [string, string];
  if (!same(hmac(secret, fill(before), delivery.body, fill(after)), given)) throw new SignatureRefused(`${scheme.header} does not match`);
  const json = jsonOf(delivery.body);
  return {
    // Without an id header, a retry of the same signed bytes is the same delivery.
    deliveryId: scheme.idHeader ? deliveryId(id, `headers.${scheme.idHeader.toLowerCase()}`) : `sig_${createHash('sha256').update(raw).update(delivery.body).digest('hex').slice(0, 32)}`,
    eventType: (scheme.eventTypeHeader ? header(delivery, scheme.eventTypeHeader) : scheme.eventTypeField ? fieldAt(json, scheme.eventTypeField) : undefined) ?? null,
    json,
  };
}
