import * as z from 'zod';
import { responseSchema } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { PageQuery } from '../platform/pagination';
import { eventTypeFilterPattern, knownEventTypes, selectsKnownType } from './event-types';

export const webhookEndpointIdPattern = idPattern('whep');

/**
 * Limits, so an oversized value is a 400 and an endpoint item stays far below DynamoDB's
 * 400 KB: URL 2,048 characters; 1–50 event type filters; description 500 characters;
 * 10 custom headers, names 64 and values 1,024 characters; 1–1,000 deliveries per second.
 */
export const limits = { url: 2048, eventTypes: 50, description: 500, headers: 10, headerName: 64, headerValue: 1024, ratePerSecond: 1000 } as const;

/** The URL's shape only; where it points (scheme, addresses) is checked by `checkEndpointUrl`. */
const EndpointUrl = z.string().min(1).max(limits.url);

const EventTypeFilter = z
  .string()
  .max(100)
  // abort: a malformed filter gets this one message, not also "matches no event type".
  .regex(eventTypeFilterPattern, { message: 'an event type, `group.*` or `*`', abort: true })
  .refine(selectsKnownType, `matches no event type; known: ${knownEventTypes.join(', ')}`);

const EventTypes = z
  .array(EventTypeFilter)
  .min(1, 'subscribe to at least one event type (`*` for all)')
  .max(limits.eventTypes)
  .refine((types) => new Set(types).size === types.length, 'lists an event type twice');

const Description = z
  .string()
  .max(limits.description)
  .refine((text) => text.isWellFormed(), 'must be well-formed Unicode')
  .refine((text) => !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text), 'must not contain control or bidirectional override characters');

/**
 * Custom headers are configuration, not secrets: they are stored as sent and shown by GET.
 * So headers that carry credentials are refused (the signature is how a receiver
 * authenticates Junction), as are those the sender owns: hop-by-hop ones (RFC 9110 §7.6.1),
 * framing and host, content negotiation of the body, and the signature's own `webhook-*`.
 */
const refusedHeaders = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'host', 'content-length', 'content-type', 'content-encoding', 'expect',
]);
const credentialLike = /(^|[-_])(auth|authorization|token|secret|password|passwd|api[-_]?key|cookie|session)([-_]|$)/i;

/** Why a header name may not be set, or undefined when it may. */
export function refusedHeader(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith('webhook-')) return 'webhook-* headers are the signature, set by Junction';
  if (refusedHeaders.has(lower)) return 'set by Junction or a hop-by-hop header';
  if (credentialLike.test(lower)) return 'looks like a credential; custom headers are not secret (GET shows them)';
  return undefined;
}

/** An HTTP field name: a token (RFC 9110 §5.1). */
const HeaderName = z.string().min(1).max(limits.headerName).regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'an HTTP header name');
/** Visible ASCII and inner spaces: no CR/LF (header injection), no other controls. */
const HeaderValue = z
  .string()
  .max(limits.headerValue)
  .regex(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/, 'visible ASCII, no leading or trailing spaces');

const Headers = z.record(HeaderName, HeaderValue).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > limits.headers) ctx.addIssue({ code: 'custom', message: `at most ${limits.headers} headers` });
  const seen = new Set<string>();
  for (const name of names) {
    const why = refusedHeader(name);
    if (why) ctx.addIssue({ code: 'custom', path: [name], message: why });
    if (seen.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', path: [name], message: 'set twice (names are case-insensitive)' });
    seen.add(name.toLowerCase());
  }
});

const RatePerSecond = z.number().int().min(1).max(limits.ratePerSecond);

export const WebhookEndpointInput = z
  .strictObject({
    url: EndpointUrl,
    eventTypes: EventTypes,
    description: Description.default(''),
    enabled: z.boolean().default(true),
    headers: Headers.default({}),
    /** Deliveries per second to this endpoint at most; null: no limit of its own. */
    rateLimitPerSecond: RatePerSecond.nullable().default(null),
  })
  .meta({ id: 'WebhookEndpointInput' });
export type WebhookEndpointInput = z.infer<typeof WebhookEndpointInput>;

export const WebhookEndpointPatch = z
  .strictObject({
    url: EndpointUrl.optional(),
    eventTypes: EventTypes.optional(),
    description: Description.optional(),
    enabled: z.boolean().optional(),
    /** Replaces the custom headers as a whole. */
    headers: Headers.optional(),
    rateLimitPerSecond: RatePerSecond.nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change')
  .meta({ id: 'WebhookEndpointPatch' });
export type WebhookEndpointPatch = z.infer<typeof WebhookEndpointPatch>;

const endpointFields = () => ({
  id: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string(),
  enabled: z.boolean(),
  headers: z.record(z.string(), z.string()),
  rateLimitPerSecond: z.number().int().nullable(),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** When the signing secret was last rotated (null: never). */
  secretRotatedAt: z.iso.datetime().nullable(),
  /**
   * When deliveries began to fail, counted from the first failed attempt since the last
   * success; null while they succeed. Past the deployment's limit (5 days unless
   * configured) the endpoint is disabled.
   */
  failingSince: z.iso.datetime().nullable(),
  /** Why Junction disabled the endpoint: `gone` (it answered 410) or `failing`; null when enabled or disabled through the API. */
  disabledReason: z.enum(['gone', 'failing']).nullable(),
});

/** A signing secret as Standard Webhooks spells it: `whsec_` + base64 of its bytes. */
const Secret = z.string().meta({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });

export const WebhookEndpoint = responseSchema(() => z.object(endpointFields()).meta({ id: 'WebhookEndpoint' }));
export type WebhookEndpoint = z.infer<ReturnType<typeof WebhookEndpoint>>;

export const WebhookEndpointCreated = responseSchema(() =>
  z
    .object({
      ...endpointFields(),
      /** The signing secret, shown this once: keep it where the receiver verifies signatures. */
      secret: Secret,
    })
    .meta({ id: 'WebhookEndpointCreated' }),
);
export type WebhookEndpointCreated = z.infer<ReturnType<typeof WebhookEndpointCreated>>;

export const SecretRotated = responseSchema(() =>
  z
    .object({
      id: z.string(),
      /** The new signing secret, shown this once; it signs every delivery from now. */
      secret: Secret,
      /** Until then deliveries also carry a signature by the previous secret. */
      previousSecretValidUntil: z.iso.datetime(),
    })
    .meta({ id: 'WebhookSecretRotated' }),
);
export type SecretRotated = z.infer<ReturnType<typeof SecretRotated>>;

export const WebhookEndpointDeleted = responseSchema(() =>
  z.object({ id: z.string(), deleted: z.literal(true) }).meta({ id: 'WebhookEndpointDeleted' }),
);

export const WebhookEndpointPath = z.strictObject({
  id: z.string().regex(webhookEndpointIdPattern, 'not a webhook endpoint id (whep_…)'),
});

export const WebhookEndpointListQuery = PageQuery.extend({
  enabled: z.enum(['true', 'false']).optional(),
});
