import * as z from 'zod';
import { PageQuery } from '../platform/pagination';
import { pathTemplateProblem, placeholdersOf, urlTemplateProblem } from './templates';
import { authTypes, compilePattern, compiles, credentialFieldNames, IntegrationKey, Pattern } from './vocabulary';
import { responseSchema } from '../platform/contract';
import { Deletions, Incremental, Pagination, StreamParam, Streams, streamsProblems } from './streams';

/**
 * An integration definition: everything Junction needs to know to connect to a provider,
 * as data. Built-ins live in `catalog/<key>.ts`; tenants' custom integrations (a later
 * issue) are stored documents checked by this same schema, so every rule a definition
 * must obey is here, not in the code that reads it.
 *
 * One integration may accept several auth types when the provider really offers them
 * (HubSpot: OAuth apps and private-app tokens). A connection picks one; when more than
 * one non-OAuth type is offered it must say which (`authType`).
 */
export const AuthType = z.enum(authTypes);
export type AuthType = z.infer<typeof AuthType>;

export const categories = [
  'accounting',
  'ai',
  'analytics',
  'communication',
  'crm',
  'developer-tools',
  'ecommerce',
  'email',
  'marketing',
  'payments',
  'productivity',
  'project-management',
  'storage',
  'support',
] as const;
export const Category = z.enum(categories);
export type Category = z.infer<typeof Category>;


const Hint = z.string().min(1).max(200);
const Label = z.string().trim().min(1).max(100);
const HttpsUrl = z.url({ protocol: /^https$/ }).max(500);

/** Header names: RFC 9110 tokens. */
const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'must be an HTTP header name');
/** Headers a definition may never set itself: transport, identity and authentication are Junction's. */
const reservedHeaders = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'forwarded',
]);
const isReserved = (name: string) => reservedHeaders.has(name.toLowerCase()) || /^(x-forwarded-|proxy-)/i.test(name);
const HeaderValue = z
  .string()
  .min(1)
  .max(200)
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters');

export const CredentialField = z.strictObject({
  /** Fixed by the auth type: `apiKey`; `username`, `password`; `token`. */
  name: z.string(),
  label: Label,
  /** A secret is write-only everywhere; a non-secret (a username, an account SID) may be shown back. */
  secret: z.boolean(),
  pattern: Pattern.optional(),
  /** Says what a valid value looks like, for the error message when `pattern` does not match. */
  hint: Hint.optional(),
  maxLength: z.number().int().min(1).max(8192),
});
export type CredentialField = z.infer<typeof CredentialField>;

/**
 * How an API key travels: in a header (with an optional prefix such as `Bearer `), in a
 * query parameter (only for providers that allow nothing else: URLs end up in logs),
 * or as the HTTP Basic username with an empty password (Stripe's documented scheme).
 */
const ApiKeyPlacement = z.discriminatedUnion('in', [
  z.strictObject({
    in: z.literal('header'),
    name: HeaderName.refine((n) => n.toLowerCase() === 'authorization' || !isReserved(n), 'is a reserved header'),
    prefix: z.string().max(32).regex(/^[\x21-\x7e ]*$/, 'must be printable ASCII').optional(),
  }),
  z.strictObject({ in: z.literal('query'), name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) }),
  z.strictObject({ in: z.literal('basic-username') }),
]);

const Fields = z.array(CredentialField).min(1).max(2);

export const AuthMethod = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('api_key'), fields: Fields, sendAs: ApiKeyPlacement }),
  z.strictObject({ type: z.literal('basic'), fields: Fields }),
  /** `Authorization: Bearer <token>` (RFC 6750); a token sent any other way is an `api_key`. */
  z.strictObject({ type: z.literal('bearer'), fields: Fields }),
  /** The details are in the integration's `oauth2` block. */
  z.strictObject({ type: z.literal('oauth2') }),
  z.strictObject({ type: z.literal('none') }),
]);
export type AuthMethod = z.infer<typeof AuthMethod>;

/**
 * A connection parameter: a value the user gives when connecting (a Shopify `shop`, a
 * Twilio `accountSid`) that fills `{placeholders}` in the integration's URLs. It is user
 * input that ends up in a URL, so its pattern is required and always matched whole.
 */
export const ConnectionParam = z
  .strictObject({
    name: z.string().regex(/^[a-z][A-Za-z0-9]{0,63}$/, 'must be camelCase, starting with a lowercase letter'),
    label: Label,
    description: z.string().trim().min(1).max(300),
    pattern: Pattern,
    hint: Hint.optional(),
    maxLength: z.number().int().min(1).max(255),
    required: z.boolean(),
    default: z.string().min(1).max(255).optional(),
    /** A valid value, shown in docs and used by tests to build every URL. */
    example: z.string().min(1).max(255),
    /**
     * Filled from this field of the OAuth token response instead of by the user (the later
     * OAuth issue: Salesforce's `instance_url`). The value must still match `pattern`.
     */
    tokenResponseField: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/).optional(),
  })
  .superRefine((param, ctx) => {
    if (param.name === 'baseUrl') ctx.addIssue({ code: 'custom', path: ['name'], message: 'baseUrl is reserved for overriding the base URL' });
    if (param.required && param.default !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['default'], message: 'a required param cannot have a default' });
    }
    if (!compiles(param.pattern)) return;
    for (const key of ['example', 'default'] as const) {
      const value = param[key];
      if (value !== undefined && !fullMatch(param.pattern, value)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must match the param's own pattern` });
      }
    }
  });
export type ConnectionParam = z.infer<typeof ConnectionParam>;

const UrlTemplate = z.string().superRefine((template, ctx) => {
  const problem = urlTemplateProblem(template);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const Scope = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/**
 * The provider's OAuth 2.0 authorization-code flow (used by the later OAuth issue). URLs
 * are templates like the base URL (Shopify's live on the shop's own host).
 */
export const OAuth2 = z.strictObject({
  authorizationUrl: UrlTemplate,
  tokenUrl: UrlTemplate,
  /** How a token is revoked when its connection is deleted; absent when the provider has no way. */
  revocation: z
    .strictObject({
      url: UrlTemplate,
      /** `rfc7009`: POST token (+ client auth); `bearer`: POST with the access token as Bearer (Slack's auth.revoke). */
      style: z.enum(['rfc7009', 'bearer']),
    })
    .optional(),
  scopeSeparator: z.enum([' ', ',']),
  defaultScopes: z.array(Scope).max(50),
  /** `required`: the provider refuses flows without S256; `supported`: it honours it when sent. */
  pkce: z.enum(['required', 'supported', 'unsupported']),
  /** How the client authenticates at the token endpoint: HTTP Basic, or id and secret in the form body. */
  clientAuth: z.enum(['basic', 'post']),
  /**
   * The authorization server's issuer identifier (RFC 8414). When set, a callback that
   * carries `iss` (RFC 9207) must carry exactly this: the defence against mix-up attacks.
   */
  issuer: UrlTemplate.optional(),
  /** Fixed extra query parameters of the authorization request (Notion's `owner=user`). */
  authorizationParams: z.record(z.string().regex(/^[a-z_]{1,32}$/), z.string().max(100)).optional(),
  /** Extra headers of the token request (GitHub answers form-encoded without `Accept: application/json`). */
  tokenRequestHeaders: z.record(HeaderName, HeaderValue).optional(),
  tokens: z.strictObject({
    /** Documented access-token lifetime; null: tokens do not expire. */
    accessTokenLifetimeSeconds: z.number().int().positive().nullable(),
    /** `rotating`: each refresh returns a new refresh token and retires the old one, so refreshes must be serialised. */
    refreshTokens: z.enum(['none', 'static', 'rotating']),
  }),
});
export type OAuth2 = z.infer<typeof OAuth2>;

/** The request "test connection" makes: a cheap authenticated read. */
export const Check = z.strictObject({
  method: z.enum(['GET', 'POST']),
  /** Appended to the base URL; may use `{params}` in the path and a fixed query string. */
  path: z.string().superRefine((path, ctx) => {
    const problem = pathTemplateProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** A top-level JSON boolean that must be true as well as a 2xx (Slack answers 200 `{ "ok": false }`). */
  successField: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).optional(),
});
export type Check = z.infer<typeof Check>;

export const RateLimit = z.strictObject({
  requests: z.number().int().positive(),
  perSeconds: z.number().int().positive(),
  /** What the provider counts against: the account, one token, one app in one account, one API method. */
  per: z.enum(['account', 'token', 'app-per-account', 'method', 'resource']),
  note: z.string().max(300).optional(),
});

/**
 * Where an inbound event sends a sync: a stream of this integration, and for a stream with
 * params (GitHub's `owner`, `repo`) the path in the event's JSON body each param is read
 * from (`["repository", "name"]`).
 */
const JsonPath = z.array(z.string().regex(/^[A-Za-z0-9_$-]{1,64}$/, 'must be a JSON field name')).min(1).max(8);
export const InboundStreamRef = z.strictObject({
  stream: z.string().min(1).max(64),
  params: z.record(z.string().max(64), JsonPath).optional(),
});
/**
 * The provider's event types (`issues`, `customer.subscription`, `orders/create`) mapped to
 * the streams an event of that type changes. An event type matches its own key, or the
 * longest key that is a prefix of it ending before a `.` or `/` (`issues` for `issues.opened`).
 */
const InboundEventType = z.string().regex(/^[A-Za-z0-9_.\/:-]{1,100}$/, 'must be an event type such as issues or orders/create');
export const InboundEventRoutes = z.record(InboundEventType, z.array(InboundStreamRef).min(1).max(10));

/** A provider's name for an event a subscription may ask for (`issues`, `customer.created`, `orders/create`, `*`). */
const SubscribableEvent = z.string().regex(/^[A-Za-z0-9_.\/:*-]{1,100}$/, 'must be an event name such as issues or orders/create');
const RegistrationPath = z.string().superRefine((path, ctx) => {
  const problem = pathTemplateProblem(path);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * How a subscription to the provider's webhooks is made and removed through its own API
 * (`POST /v1/connections/{id}/webhook-subscriptions`). `api` names the provider's dialect,
 * written once each in shared/inbound/registration.ts, as the signature schemes are:
 *
 * - `github-hooks`: JSON `{ name: "web", events, config: { url, content_type, secret } }`,
 *   the secret Junction's own; DELETE answers 204;
 * - `stripe-webhook-endpoints`: form-encoded `url`, `enabled_events[]`; Stripe makes the
 *   secret (`whsec_…`) and answers it once, in the created endpoint;
 * - `shopify-graphql`: `webhookSubscriptionCreate(topic, webhookSubscription: { uri, format: JSON })`
 *   and `webhookSubscriptionDelete(id)`; Shopify signs with the app's client secret, which
 *   the connection must already hold as its `webhookSecret`.
 *
 * Paths are below the base URL; their `{params}` are the request's `params` (GitHub's
 * `owner`, `repo`), and the delete path's `{id}` is the provider's id of the subscription.
 */
export const WebhookRegistration = z
  .strictObject({
    api: z.enum(['github-hooks', 'stripe-webhook-endpoints', 'shopify-graphql']),
    create: RegistrationPath,
    delete: RegistrationPath,
    params: z.array(StreamParam).max(5).optional(),
    /** The provider's documented event names: anything else is refused before the provider is asked. */
    events: z.array(SubscribableEvent).min(1).max(500).optional(),
    /** Without a list, the shape of a name; the provider judges the rest (and says which it refused). */
    eventPattern: Pattern.optional(),
    /** Events per subscription, 100 when absent; Shopify subscribes one topic per subscription. */
    maxEvents: z.number().int().min(1).max(100).optional(),
  })
  .superRefine((registration, ctx) => {
    const declared = new Set((registration.params ?? []).map((p) => p.name));
    for (const [field, allowed] of [['create', declared], ['delete', new Set([...declared, 'id'])]] as const) {
      for (const name of placeholdersOf(registration[field])) {
        if (!allowed.has(name)) ctx.addIssue({ code: 'custom', path: [field], message: `uses {${name}}, which is not a declared param${field === 'delete' ? ' or {id}' : ''}` });
      }
    }
    if (declared.has('id')) ctx.addIssue({ code: 'custom', path: ['params'], message: 'id is the provider’s id of the subscription, not a param' });
  });
export type WebhookRegistration = z.infer<typeof WebhookRegistration>;

/** The placeholders a generic HMAC's signed content may use. */
export const signedContentPlaceholders = ['body', 'timestamp', 'id'] as const;

/**
 * How the provider signs the webhooks it sends. Known schemes name their exact format
 * (header, signed content, encoding, tolerance, delivery id) and are verified by code
 * written for each (shared/inbound/verify.ts); `hmac-sha256` describes any other HMAC, for
 * custom integrations: the header, its encoding and prefix, what is signed
 * (`{timestamp}.{body}`), and the timestamp's header and tolerance.
 * `secret`: signed with a secret per registered endpoint, or with the OAuth app's own;
 * either way the connection holds it as its `webhookSecret` credential.
 */
export const WebhookSignature = z.discriminatedUnion('scheme', [
  z.strictObject({
    scheme: z.enum(['stripe', 'github', 'shopify', 'slack', 'standard-webhooks']),
    secret: z.enum(['endpoint', 'app']),
    /** Header to deduplicate deliveries on, when the provider sends one (the scheme's own is used). */
    idHeader: HeaderName.optional(),
    events: InboundEventRoutes.optional(),
    /** Present when subscriptions can be made through the provider's API. */
    registration: WebhookRegistration.optional(),
  }),
  z
    .strictObject({
      scheme: z.literal('hmac-sha256'),
      secret: z.enum(['endpoint', 'app']),
      header: HeaderName,
      encoding: z.enum(['hex', 'base64']),
      /** Before the digest in the header (`sha256=`). */
      prefix: z.string().max(16).regex(/^[\x21-\x7e]*$/, 'must be printable ASCII').optional(),
      /** What is signed: `{body}` (the raw bytes) once, optionally with `{timestamp}` and `{id}` from their headers. */
      signedContent: z.string().min(6).max(200).default('{body}'),
      /** Unix seconds of the signature; refused outside `toleranceSeconds` of now. */
      timestampHeader: HeaderName.optional(),
      toleranceSeconds: z.number().int().min(30).max(3600).default(300),
      /** The delivery id, to deduplicate on; without one, the body and signature are. */
      idHeader: HeaderName.optional(),
      /** Where the event's type is: a header, or a field of the JSON body. */
      eventTypeHeader: HeaderName.optional(),
      eventTypeField: JsonPath.optional(),
      events: InboundEventRoutes.optional(),
      registration: WebhookRegistration.optional(),
    })
    .superRefine((scheme, ctx) => {
      const used = [...scheme.signedContent.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!);
      const unknown = used.filter((name) => !(signedContentPlaceholders as readonly string[]).includes(name));
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', path: ['signedContent'], message: `knows only {body}, {timestamp} and {id}, not {${unknown.join('}, {')}}` });
      if (used.filter((name) => name === 'body').length !== 1) ctx.addIssue({ code: 'custom', path: ['signedContent'], message: 'must contain {body} exactly once' });
      if (used.includes('timestamp') && !scheme.timestampHeader) ctx.addIssue({ code: 'custom', path: ['timestampHeader'], message: 'is required when signedContent uses {timestamp}' });
      if (used.includes('id') && !scheme.idHeader) ctx.addIssue({ code: 'custom', path: ['idHeader'], message: 'is required when signedContent uses {id}' });
      if (scheme.eventTypeHeader && scheme.eventTypeField) ctx.addIssue({ code: 'custom', path: ['eventTypeField'], message: 'give eventTypeHeader or eventTypeField, not both' });
    }),
]);
export type WebhookSignature = z.infer<typeof WebhookSignature>;

export const IntegrationDefinition = z
  .strictObject({
    key: IntegrationKey,
    name: Label,
    category: Category,
    description: z.string().trim().min(1).max(300),
    docsUrl: HttpsUrl,
    /** Every API call's base; `{placeholders}` must all be declared `params`. */
    baseUrl: UrlTemplate,
    params: z.array(ConnectionParam).max(10).default([]),
    /**
     * Present when a connection may replace the base URL (`params.baseUrl`), for example a
     * self-hosted server. The replacement must be https and, when listed, on one of
     * `hostSuffixes`; the outbound client still refuses private addresses.
     */
    baseUrlOverride: z
      .strictObject({
        hostSuffixes: z.array(z.string().regex(/^(\.[a-z0-9-]+){2,}$/)).min(1).max(10).optional(),
        /** The path every replacement must have: a server's API lives at a fixed path (GitHub Enterprise Server's `/api/v3`). */
        path: z.string().regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'must be a path like /api/v3').max(100).optional(),
      })
      .optional(),
    auth: z.array(AuthMethod).min(1).max(5),
    oauth2: OAuth2.optional(),
    /** Fixed headers every call carries (API versions, a required User-Agent). */
    headers: z.record(z.string(), HeaderValue).default({}),
    check: Check,
    rateLimits: z.array(RateLimit).max(10).default([]),
    webhooks: WebhookSignature.optional(),
    /** What syncs read (streams.ts); checked here against the definition's params and auth. */
    streams: Streams.default([]),
  })
  .superRefine((definition, ctx) => {
    const declared = new Set(definition.params.map((p) => p.name));
    if (declared.size !== definition.params.length) {
      ctx.addIssue({ code: 'custom', path: ['params'], message: 'param names must be unique' });
    }
    const templates: Array<[Array<string | number>, string]> = [
      [['baseUrl'], definition.baseUrl],
      [['check', 'path'], definition.check.path],
      ...(definition.oauth2
        ? ([
            [['oauth2', 'authorizationUrl'], definition.oauth2.authorizationUrl],
            [['oauth2', 'tokenUrl'], definition.oauth2.tokenUrl],
            ...(definition.oauth2.issuer ? [[['oauth2', 'issuer'], definition.oauth2.issuer]] : []),
            ...(definition.oauth2.revocation ? [[['oauth2', 'revocation', 'url'], definition.oauth2.revocation.url]] : []),
          ] as Array<[Array<string | number>, string]>)
        : []),
    ];
    for (const [path, template] of templates) {
      for (const name of placeholdersOf(template)) {
        if (!declared.has(name)) ctx.addIssue({ code: 'custom', path, message: `uses {${name}}, which is not a declared param` });
      }
    }

    const types = definition.auth.map((a) => a.type);
    if (new Set(types).size !== types.length) ctx.addIssue({ code: 'custom', path: ['auth'], message: 'each auth type may appear once' });
    if (types.includes('none') && types.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'none cannot be combined with other auth types' });
    }
    if (types.includes('oauth2') !== Boolean(definition.oauth2)) {
      ctx.addIssue({
        code: 'custom',
        path: ['oauth2'],
        message: definition.oauth2 ? 'is given but oauth2 is not among the auth types' : 'is required when oauth2 is an auth type',
      });
    }
    definition.auth.forEach((method, i) => {
      if (!('fields' in method)) return;
      const names = method.fields.map((f) => f.name);
      const expected = credentialFieldNames[method.type];
      if (names.length !== expected.length || names.some((n, j) => n !== expected[j])) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth', i, 'fields'],
          message: `${method.type} takes exactly the fields ${expected.join(', ')}, in that order`,
        });
      }
      method.fields.forEach((field, j) => {
        if (field.hint && !field.pattern) {
          ctx.addIssue({ code: 'custom', path: ['auth', i, 'fields', j, 'hint'], message: 'describes a pattern the field does not have' });
        }
      });
    });
    definition.params.forEach((param, i) => {
      if (param.tokenResponseField && !definition.oauth2) {
        ctx.addIssue({ code: 'custom', path: ['params', i, 'tokenResponseField'], message: 'needs an oauth2 block' });
      }
    });
    for (const name of Object.keys(definition.headers)) {
      // Checked here rather than as the record's key schema, whose messages zod folds into "Invalid key".
      const problem = !HeaderName.safeParse(name).success ? 'is not an HTTP header name' : isReserved(name) ? 'is a reserved header' : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['headers', name], message: problem });
    }
    const headerNames = Object.keys(definition.headers).map((n) => n.toLowerCase());
    if (new Set(headerNames).size !== headerNames.length) {
      ctx.addIssue({ code: 'custom', path: ['headers'], message: 'header names must be unique, ignoring case' });
    }
    const apiKey = definition.auth.find((a) => a.type === 'api_key');
    const problems = streamsProblems(definition.streams, {
      connectionParams: definition.params.map((p) => p.name),
      ...(apiKey?.type === 'api_key' && apiKey.sendAs.in === 'query' ? { apiKeyQueryName: apiKey.sendAs.name } : {}),
    });
    for (const problem of problems) ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
    for (const [type, refs] of Object.entries(definition.webhooks?.events ?? {})) {
      refs.forEach((ref, i) => {
        const path = ['webhooks', 'events', type, i];
        const stream = definition.streams.find((s) => s.name === ref.stream);
        if (!stream) {
          ctx.addIssue({ code: 'custom', path: [...path, 'stream'], message: `is not a stream of this integration` });
          return;
        }
        const given = Object.keys(ref.params ?? {});
        for (const param of stream.params ?? []) {
          if (param.required && !given.includes(param.name)) ctx.addIssue({ code: 'custom', path: [...path, 'params'], message: `must say where ${param.name} is in the event` });
        }
        for (const name of given.filter((name) => !(stream.params ?? []).some((p) => p.name === name))) {
          ctx.addIssue({ code: 'custom', path: [...path, 'params', name], message: `stream ${stream.name} has no param ${name}` });
        }
      });
    }
  });

/** A definition as written in a data file (defaults not yet applied). */
export type IntegrationInput = z.input<typeof IntegrationDefinition>;
/** A validated definition. */
export type Integration = z.output<typeof IntegrationDefinition>;


function fullMatch(source: string, value: string): boolean {
  return compilePattern(source).test(value);
}

// ---- The wire: what GET /v1/integrations takes and answers ----

export const IntegrationListQuery = PageQuery.extend({
  category: Category.optional(),
  authType: AuthType.optional(),
  /** Case-insensitive substring of the name or the key. */
  q: z.string().trim().min(1).max(100).optional(),
});
export type IntegrationListQuery = z.infer<typeof IntegrationListQuery>;

export const IntegrationSummary = responseSchema(() =>
  z
    .object({
      key: z.string(),
      name: z.string(),
      category: Category,
      description: z.string(),
      authTypes: z.array(AuthType),
      /** `built-in`, or (later) `custom` for the tenant's own. */
      origin: z.enum(['built-in', 'custom']),
    })
    .meta({ id: 'IntegrationSummary' }),
);
export type IntegrationSummary = z.infer<ReturnType<typeof IntegrationSummary>>;

const FieldView = responseSchema(() =>
  z.object({
    name: z.string(),
    label: z.string(),
    secret: z.boolean(),
    pattern: z.string().optional(),
    hint: z.string().optional(),
    maxLength: z.number().int(),
  }),
);

/**
 * A stream as the API shows it: enough to choose streams, fill their params and know what
 * incremental syncs and deletions will look like. How requests are built stays internal.
 */
const StreamView = responseSchema(() =>
  z
    .object({
      name: z.string(),
      description: z.string(),
      params: z.array(
        z.object({
          name: z.string(),
          label: z.string(),
          pattern: z.string(),
          hint: z.string().optional(),
          maxLength: z.number().int(),
          required: z.boolean(),
          example: z.string(),
        }),
      ),
      primaryKey: z.array(z.string()),
      cursorField: z.array(z.string()).nullable(),
      incremental: z.object({
        kind: z.enum(Incremental.options.map((o) => o.shape.kind.value) as [string, ...string[]]),
        /** For `filter`: whether the provider filters on modification or only on creation (Stripe). */
        on: z.enum(['modified', 'created']).optional(),
      }),
      lookbackSeconds: z.number().int(),
      deletions: z.object({
        kind: z.enum(Deletions.options.map((o) => o.shape.kind.value) as [string, ...string[]]),
        /** For `flag`: the record field, and the value it has once the record is deleted. */
        field: z.array(z.string()).optional(),
        value: z.union([z.string(), z.number(), z.boolean()]).optional(),
        /** For `tombstone-event`: the provider's events that announce a deletion. */
        events: z.array(z.string()).optional(),
      }),
      pagination: z.object({ kind: z.enum(Pagination.options.map((o) => o.shape.kind.value) as [string, ...string[]]) }),
    })
    .meta({ id: 'IntegrationStream' }),
);

/**
 * One integration as the API shows it: what a client needs to connect (auth types and
 * their fields, params, scopes) and to plan (rate limits, webhook scheme, streams). How Junction
 * itself calls the provider (headers, key placement, check request, token endpoint
 * details) stays internal.
 */
export const IntegrationView = responseSchema(() =>
  IntegrationSummary().extend({
    docsUrl: z.string(),
    baseUrl: z.string(),
    baseUrlOverridable: z.boolean(),
    params: z.array(
      z.object({
        name: z.string(),
        label: z.string(),
        description: z.string(),
        pattern: z.string(),
        hint: z.string().optional(),
        maxLength: z.number().int(),
        required: z.boolean(),
        default: z.string().optional(),
        example: z.string(),
      }),
    ),
    auth: z.array(z.object({ type: AuthType, fields: z.array(FieldView()) })),
    oauth2: z
      .object({
        scopeSeparator: z.string(),
        defaultScopes: z.array(z.string()),
        pkce: z.enum(['required', 'supported', 'unsupported']),
        accessTokenLifetimeSeconds: z.number().int().nullable(),
        refreshTokens: z.enum(['none', 'static', 'rotating']),
      })
      .nullable(),
    rateLimits: z.array(
      z.object({ requests: z.number().int(), perSeconds: z.number().int(), per: z.string(), note: z.string().optional() }),
    ),
    webhooks: z.object({ scheme: z.string() }).nullable(),
    streams: z.array(StreamView()),
  }).meta({ id: 'Integration' }),
);
export type IntegrationView = z.infer<ReturnType<typeof IntegrationView>>;

/**
 * PATCH takes any subset of the definition's top-level fields; `null` removes an optional
 * one. The values are checked when the merged definition is (`parseDefinition` in custom.ts).
 */
const topLevelFields = new Set(Object.keys(IntegrationDefinition.shape));
export const IntegrationPatch = z
  .record(z.string(), z.unknown())
  .superRefine((patch, ctx) => {
    const unknown = Object.keys(patch).filter((name) => !topLevelFields.has(name));
    if (unknown.length > 0) ctx.addIssue({ code: 'unrecognized_keys', keys: unknown, input: patch });
    else if (Object.keys(patch).length === 0) ctx.addIssue({ code: 'custom', message: 'send at least one field' });
  })
  .meta({ id: 'IntegrationPatch', description: 'Top-level fields of an integration definition to replace; null removes an optional field' });
