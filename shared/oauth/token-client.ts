import type { Integration } from '../integrations/schema';
import { OutboundError, type OutboundOptions, type OutboundRequest, type OutboundResponse } from '../platform/outbound';

/**
 * The client side of a provider's token endpoint (RFC 6749 §4.1.3, §6) and revocation
 * endpoint (RFC 7009), through the one outbound HTTP client. Nothing here logs or quotes a
 * token: errors carry the provider's error code and a description of what went wrong.
 */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** ISO time the access token expires; absent when the provider says it does not. */
  expiresAt?: string;
  /** What the provider granted (its `scope`, or what was asked when it does not say). */
  scopes: string[];
  /** Params filled from the token response (Salesforce's `instance_url`), by param name. */
  extra: Record<string, string>;
}

export type Send = (request: OutboundRequest, options?: OutboundOptions) => Promise<OutboundResponse>;

/**
 * Why a token request failed. `code` is the provider's OAuth error (`invalid_grant`,
 * `access_denied`…) or one of ours: `server_error` (5xx), `invalid_response` (not a token
 * response), `unreachable` (no answer), `insufficient_scope` (fewer scopes than asked).
 */
export class TokenError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Worth retrying later (the provider failed), as opposed to the grant being bad. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const form = (fields: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined)).toString();

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for Basic. */
const basic = (client: OAuthClient) =>
  `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;

function tokenRequest(definition: Integration, url: string, client: OAuthClient, fields: Record<string, string | undefined>): OutboundRequest {
  const oauth2 = definition.oauth2!;
  const viaBasic = oauth2.clientAuth === 'basic';
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...oauth2.tokenRequestHeaders,
      ...(viaBasic ? { authorization: basic(client) } : {}),
    },
    body: form({ ...fields, ...(viaBasic ? {} : { client_id: client.clientId, client_secret: client.clientSecret }) }),
  };
}

export async function exchangeCode(
  send: Send,
  definition: Integration,
  input: { tokenUrl: string; client: OAuthClient; code: string; redirectUri: string; verifier?: string; requestedScopes: string[] },
  now = new Date(),
): Promise<TokenSet> {
  const response = await call(send, tokenRequest(definition, input.tokenUrl, input.client, {
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.verifier,
  }));
  const tokens = parseTokenResponse(definition, response, input.requestedScopes, now);
  const missing = input.requestedScopes.filter((s) => !tokens.scopes.includes(s));
  if (missing.length > 0) {
    throw new TokenError('insufficient_scope', `the provider granted fewer scopes than asked (missing: ${missing.join(', ')})`, false);
  }
  return tokens;
}

export async function refreshTokens(
  send: Send,
  definition: Integration,
  input: { tokenUrl: string; client: OAuthClient; refreshToken: string; scopes: string[] },
  now = new Date(),
): Promise<TokenSet> {
  const response = await call(send, tokenRequest(definition, input.tokenUrl, input.client, {
    grant_type: 'refresh_token',
    refresh_token: input.refreshToken,
  }));
  // RFC 6749 §6: an omitted scope means the scope granted before.
  return parseTokenResponse(definition, response, input.scopes, now);
}

/**
 * Revokes a grant: RFC 7009 (the refresh token when there is one, which ends the whole
 * grant at most providers) or a Bearer call (Slack's `auth.revoke`). RFC 7009 §2.2: 200
 * also answers a token that was already invalid.
 */
export async function revokeTokens(
  send: Send,
  definition: Integration,
  input: { url: string; client: OAuthClient; accessToken: string; refreshToken?: string },
): Promise<void> {
  const style = definition.oauth2!.revocation!.style;
  const request: OutboundRequest =
    style === 'bearer'
      ? { method: 'POST', url: input.url, headers: { authorization: `Bearer ${input.accessToken}`, accept: 'application/json' } }
      : tokenRequest(definition, input.url, input.client, {
          token: input.refreshToken ?? input.accessToken,
          token_type_hint: input.refreshToken ? 'refresh_token' : 'access_token',
        });
  const response = await call(send, request);
  if (response.status < 200 || response.status > 299) {
    throw new TokenError(response.status >= 500 ? 'server_error' : 'revocation_refused', `the revocation endpoint answered HTTP ${response.status}`, response.status >= 500);
  }
}

async function call(send: Send, request: OutboundRequest): Promise<OutboundResponse> {
  try {
    return await send(request);
  } catch (error) {
    if (error instanceof OutboundError) throw new TokenError('unreachable', error.message, true);
    throw error;
  }
}

function parseTokenResponse(definition: Integration, response: OutboundResponse, requestedScopes: string[], now: Date): TokenSet {
  const body = parseBody(response);
  // Some providers answer errors with 200 (GitHub: `error`; Slack: `ok: false`).
  const error = typeof body?.error === 'string' ? body.error : body?.ok === false ? 'provider_error' : undefined;
  if (response.status >= 500) {
    throw new TokenError('server_error', `the token endpoint answered HTTP ${response.status}`, true);
  }
  if (error || response.status < 200 || response.status > 299) {
    const code = error && /^[\x20-\x7e]{1,64}$/.test(error) ? error : 'invalid_response';
    throw new TokenError(code, `the token endpoint refused the request (HTTP ${response.status}${error ? `, ${code}` : ''})`, false);
  }
  if (!body) throw new TokenError('invalid_response', 'the token endpoint did not answer JSON or a form', true);
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0 || accessToken.length > 8192) {
    throw new TokenError('invalid_response', 'the token response has no usable access_token', true);
  }
  const refreshToken = typeof body.refresh_token === 'string' && body.refresh_token.length > 0 ? body.refresh_token : undefined;
  const lifetime = plausibleLifetime(Number(body.expires_in)) ?? plausibleLifetime(definition.oauth2?.tokens.accessTokenLifetimeSeconds ?? undefined);
  const separator = definition.oauth2?.scopeSeparator ?? ' ';
  const granted =
    typeof body.scope === 'string'
      ? body.scope.split(separator === ',' ? /[,\s]+/ : /\s+/).filter(Boolean)
      : requestedScopes;
  // Only the fields a param declares it is filled from: the rest may hold other secrets.
  const extra: Record<string, string> = {};
  for (const param of definition.params) {
    const value = param.tokenResponseField ? body[param.tokenResponseField] : undefined;
    if (typeof value === 'string') extra[param.name] = value;
  }
  return {
    accessToken,
    ...(refreshToken ? { refreshToken } : {}),
    ...(lifetime ? { expiresAt: new Date(now.getTime() + lifetime * 1000).toISOString() } : {}),
    scopes: granted,
    extra,
  };
}

/**
 * Longest access-token lifetime taken at its word. RFC 6749 §5.1 makes `expires_in` only
 * RECOMMENDED, with the provider's documented default standing in when it is left out; a
 * value that is not a positive number, or is beyond 10 years (`1e300` would not even make
 * a date), is no statement of a lifetime either, so it is treated as left out: the
 * integration's declared lifetime applies, or, when it declares none, no expiry is known.
 */
export const maxLifetimeSeconds = 10 * 365 * 24 * 60 * 60;

function plausibleLifetime(seconds: number | undefined): number | undefined {
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 && seconds <= maxLifetimeSeconds ? seconds : undefined;
}

function parseBody(response: OutboundResponse): Record<string, unknown> | undefined {
  const type = String(response.headers['content-type'] ?? '');
  try {
    if (/json/i.test(type) || /^\s*\{/.test(response.body)) {
      const parsed = JSON.parse(response.body) as unknown;
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    }
    if (/x-www-form-urlencoded/i.test(type)) return Object.fromEntries(new URLSearchParams(response.body));
  } catch {
    return undefined;
  }
  return undefined;
}
