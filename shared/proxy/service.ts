import type { ConnectionItem } from '../connections/store';
import { authorizeRequest, buildBaseUrl } from '../integrations/service';
import type { Integration } from '../integrations/schema';
import type { Audit } from '../platform/audit';
import { BadGateway, Conflict, DomainError, Invalid, NotFound, problemType, UnsupportedMediaType } from '../platform/errors';
import { OutboundError, type OutboundRequest, type OutboundResponse } from '../platform/outbound';
import { pausedUntil } from '../syncs/rate-limits';

/**
 * The proxy: one request to a connection's provider API, with the stored credentials
 * added, and the provider's answer passed back (docs/proxy.md).
 *
 *   /v1/connections/{id}/proxy/repos/acme/api/issues?state=open
 *     → https://api.github.com/repos/acme/api/issues?state=open   (+ Authorization)
 *
 * What passes is chosen, never everything: request headers on `forwardedHeaders`, answer
 * headers on `returnedHeaders`; the caller's Authorization, cookies and API key never go
 * on, the provider's cookies never come back. The path may not leave the integration's base
 * URL. The connection's provider budget (the sync worker's, budget.ts) is taken first and
 * slowed by the provider's own slow-down answers, so proxied calls and syncs share it.
 */
export interface ProxyDeps {
  connections: { get(tenantId: string, id: string): Promise<ConnectionItem | undefined> };
  integrations: { find(tenantId: string, key: string): Promise<Integration | undefined> };
  /** As the sync worker's: `rejected` is an access token the provider has just refused. */
  credentials(tenantId: string, connection: ConnectionItem, integration: Integration, rejected?: string): Promise<Record<string, string>>;
  /** Takes one request from the connection's provider budget: undefined, or the ms to wait. */
  admit(tenantId: string, connection: ConnectionItem, integration: Integration): Promise<number | undefined>;
  slowDown(tenantId: string, connection: ConnectionItem, integration: Integration, untilMs: number): Promise<void>;
  /**
   * One request through the outbound client, retried only when `idempotent`; its body cut
   * at `maxBodyBytes`. A wait the provider asks for that is longer than a proxied call can
   * hold throws `ProviderAskedToWait`.
   */
  send(request: OutboundRequest, options: { idempotent: boolean; maxBodyBytes: number }): Promise<OutboundResponse>;
  /** The audit entry of a call that reached the provider (with the Idempotency-Key's commit). */
  recordCall(audit: Audit, target: string, status: number): Promise<void>;
  now?: () => number;
}

export interface ProxyRequest {
  method: string;
  connectionId: string;
  /** The gateway's path and query string as written: `/v1/connections/{id}/proxy/…`. */
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | undefined>;
  /** The caller's body as bytes; GET and DELETE take none. */
  body?: Buffer;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The largest provider answer passed back: 4 MiB. A Lambda function answers API Gateway at
 * most 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and
 * the answer travels base64-encoded (4/3 of its size) beside its headers: 4 MiB is
 * 5,592,408 bytes of base64, which leaves room for them.
 */
export const maxAnswerBytes = 4 * 1024 * 1024;

/** Methods whose repetition is harmless (RFC 9110 §9.2.2): only these are retried. */
const idempotentMethods = new Set(['GET', 'PUT', 'DELETE']);

/** A provider answer too large to pass back, named in the 502. */
export const tooLargeDetail = `the provider's answer is larger than ${maxAnswerBytes} bytes (4 MiB), the most the proxy passes back (a function answers API Gateway at most 6 MB); ask for less, such as a smaller page`;

/** The provider's budget is spent, or the provider asked to wait: retry after Retry-After. */
export class ProviderRateLimited extends DomainError {
  constructor(detail: string, waitMs: number) {
    super(429, problemType('provider-rate-limited'), "The provider's rate limit is reached", detail, undefined, {
      'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
    });
  }
}

/** Thrown by `send` for a Retry-After longer than a proxied call waits in line. */
export class ProviderAskedToWait extends Error {
  constructor(readonly waitMs: number) {
    super(`the provider asked to wait ${Math.ceil(waitMs / 1000)} s`);
  }
}

export async function proxyRequest(deps: ProxyDeps, tenantId: string, audit: Audit | undefined, request: ProxyRequest): Promise<ProxyAnswer> {
  const segments = providerPath(request.rawPath);
  const connection = await deps.connections.get(tenantId, request.connectionId);
  if (!connection) throw new NotFound(`no connection ${request.connectionId}`);
  const integration = await deps.integrations.find(tenantId, connection.integration);
  if (!integration) throw new Conflict(`the connection's integration ${connection.integration} no longer exists`);

  const base = buildBaseUrl(integration, connection.params);
  const url = joinedUrl(base, segments, request.rawQuery);
  const body = request.body && request.body.length > 0 ? textOf(request.body) : undefined;
  const headers = forwardedHeaders(request.headers, integration, connection.authType);

  const idempotent = idempotentMethods.has(request.method);
  const outgoing = { method: request.method, url, headers, ...(body !== undefined ? { body } : {}) };
  // One byte past the cap tells a cut answer from one that fits exactly.
  const { response, pausedUntil: until } = await callProvider(deps, tenantId, connection, integration, outgoing, { idempotent, maxBodyBytes: maxAnswerBytes + 1 });
  const now = () => deps.now?.() ?? Date.now();
  // The provider acted: that is what the audit entry records, whatever is answered next.
  if (audit) await deps.recordCall(audit, connection.id, response.status);

  const answer = Buffer.from(response.body, 'utf8');
  if (answer.length > maxAnswerBytes) throw new BadGateway(tooLargeDetail);
  const returned = returnedHeaders(response.headers);
  if (answer.includes(replacementCharacter) && !isText(returned['content-type'])) {
    throw new BadGateway(`the provider answered ${returned['content-type'] ?? 'a body without a content type'} that is not UTF-8 text; the proxy passes text only`);
  }
  // A 429 that names no wait still gets one: the pause the budget now holds.
  if (response.status === 429 && returned['retry-after'] === undefined && until !== undefined) {
    returned['retry-after'] = String(Math.max(1, Math.ceil((until - now()) / 1000)));
  }
  return { status: response.status, headers: returned, body: answer };
}

/** What a call to the provider needs: the connection's credentials, its provider budget, the outbound client. */
export type ProviderCallDeps = Pick<ProxyDeps, 'credentials' | 'admit' | 'slowDown' | 'send' | 'now'>;

/**
 * One request to the connection's provider, as every caller of a provider's API on a
 * user's behalf makes it (the proxy, webhook subscriptions): one request from the
 * connection's provider budget first (429 when spent), the stored credentials added, an
 * OAuth token refused before its expiry refreshed once and the request sent again, and
 * the provider's slow-down answers recorded on the budget. An unreachable provider is 502.
 */
export async function callProvider(
  deps: ProviderCallDeps,
  tenantId: string,
  connection: ConnectionItem,
  integration: Integration,
  outgoing: OutboundRequest,
  options: { idempotent: boolean; maxBodyBytes: number },
): Promise<{ response: OutboundResponse; pausedUntil: number | undefined }> {
  const wait = await deps.admit(tenantId, connection, integration);
  if (wait !== undefined) {
    throw new ProviderRateLimited(`this connection's requests to ${integration.key} must wait ${Math.ceil(wait / 1000)} s: its budget is spent, or the provider asked to slow down`, wait);
  }
  const now = () => deps.now?.() ?? Date.now();
  let response: OutboundResponse;
  try {
    let credentials = await deps.credentials(tenantId, connection, integration);
    response = await deps.send(authorizeRequest(integration, connection.authType, credentials, outgoing), options);
    if (response.status === 401 && connection.authType === 'oauth2') {
      // Refused before its expiry (revoked, rotated elsewhere): refreshed once, asked again, as the sync worker does.
      credentials = await deps.credentials(tenantId, connection, integration, credentials.accessToken);
      response = await deps.send(authorizeRequest(integration, connection.authType, credentials, outgoing), options);
    }
  } catch (error) {
    if (error instanceof ProviderAskedToWait) {
      await deps.slowDown(tenantId, connection, integration, now() + error.waitMs);
      throw new ProviderRateLimited(`${integration.key} asked to wait ${Math.ceil(error.waitMs / 1000)} s before the next request`, error.waitMs);
    }
    if (error instanceof OutboundError) throw new BadGateway(`${integration.key} could not be reached: ${error.message}`);
    throw error;
  }
  const until = pausedUntil(response, now());
  if (until !== undefined) await deps.slowDown(tenantId, connection, integration, until);
  return { response, pausedUntil: until };
}

/**
 * The path below `/proxy/`, as segments still escaped as written, refusing what could
 * leave the base URL or mean another path to the provider than to us: `.` and `..`
 * (written or escaped), escaped slashes and backslashes, empty segments (`//`, and an
 * absolute URL's `https://`), control characters and broken escapes.
 */
export function providerPath(rawPath: string): string[] {
  // '' / v1 / connections / {id} / proxy / …
  const segments = rawPath.split('/').slice(5);
  const refuse = (message: string) => new Invalid(`the proxied path ${message}`, [{ field: 'path.path', message }]);
  if (segments.length === 0 || segments.every((s) => s === '')) throw refuse('is empty');
  return segments.map((segment) => {
    if (segment === '') throw refuse('has an empty segment (//): absolute URLs are not proxied');
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw refuse('has a malformed %-escape');
    }
    if (decoded === '.' || decoded === '..') throw refuse('may not climb out of the integration’s base URL (. or ..)');
    if (/[/\\]/.test(decoded)) throw refuse('may not carry an escaped / or \\');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(decoded)) throw refuse('may not carry control characters');
    // Escaped again in one canonical form: what the provider gets is what was checked.
    return encodeURIComponent(decoded).replace(/%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  });
}

/** The base URL and the path joined, with the query as written; the parser has the last word on staying below the base. */
export function joinedUrl(base: string, segments: string[], rawQuery: string): string {
  const root = new URL(base);
  const url = new URL(`${base.replace(/\/+$/, '')}/${segments.join('/')}${rawQuery ? `?${rawQuery}` : ''}`);
  const prefix = root.pathname.replace(/\/+$/, '');
  if (url.origin !== root.origin || !url.pathname.startsWith(`${prefix}/`)) {
    throw new Invalid('the proxied path leaves the integration’s base URL', [{ field: 'path.path', message: 'leaves the integration’s base URL' }]);
  }
  return url.toString();
}

/** The body as the text the outbound client sends; bytes that are not UTF-8 would be altered on the way, so they are refused. */
function textOf(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnsupportedMediaType('the proxy passes text bodies (UTF-8); this body is not');
  }
}

/**
 * Request headers passed on to the provider: content negotiation, conditional requests,
 * the provider's own Idempotency-Key (Stripe dedupes writes on it), `Prefer`, and API
 * version pins (`Stripe-Version`, `X-GitHub-Api-Version`, `Notion-Version`). Never the
 * caller's Authorization (Junction's API key), Cookie or Host, nor anything the
 * integration itself sets (its fixed headers, its credential's header): those win.
 */
const forwarded = new Set(['accept', 'accept-language', 'content-type', 'content-language', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'idempotency-key', 'prefer']);
const versionPin = /^[a-z0-9-]*-version$/;

export function forwardedHeaders(headers: Record<string, string | undefined>, integration: Integration, authType: string): Record<string, string> {
  const method = integration.auth.find((a) => a.type === authType);
  const taken = new Set([
    ...Object.keys(integration.headers).map((name) => name.toLowerCase()),
    'authorization',
    ...(method?.type === 'api_key' && method.sendAs.in === 'header' ? [method.sendAs.name.toLowerCase()] : []),
  ]);
  const passed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || taken.has(lower)) continue;
    if (forwarded.has(lower) || versionPin.test(lower)) passed[lower] = value;
  }
  return passed;
}

/**
 * Answer headers passed back: the content's type, language and validators, `Link` and the
 * other paging headers, `Location`, `Retry-After` and the providers' rate-limit headers.
 * Never `Set-Cookie`, nor hop-by-hop or length headers (the gateway sets its own). The
 * IETF `RateLimit-*` headers come back as `Provider-RateLimit-*`: Junction's own
 * `RateLimit-*` report the caller's budget with Junction.
 */
const returned = new Set([
  'content-type', 'content-language', 'etag', 'last-modified', 'link', 'location', 'retry-after',
  'x-total-count', 'x-total', 'x-total-pages', 'x-page', 'x-per-page', 'x-next-page', 'x-prev-page',
  'x-shopify-shop-api-call-limit', 'sforce-limit-info', 'stripe-rate-limited-reason',
]);
const rateLimitFamily = /^x-(?:[a-z0-9]+-)?rate-?limit-/;

export function returnedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (returned.has(lower) || rateLimitFamily.test(lower)) passed[lower] = text;
    else if (/^ratelimit(-|$)/.test(lower)) passed[`provider-${lower}`] = text;
  }
  return passed;
}

const replacementCharacter = Buffer.from('\ufffd', 'utf8');

/** Content types whose bodies are text, so a replacement character in them is the provider's own. */
function isText(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return /^(text\/|application\/([\w.+-]+\+)?(json|xml)\b|application\/(x-www-form-urlencoded|javascript|graphql|x-ndjson)\b)/i.test(contentType.trim());
}
