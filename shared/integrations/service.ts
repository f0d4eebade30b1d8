import { Invalid, NotFound, type FieldError } from '../platform/errors';
import {
  type AuthType,
  type CredentialField,
  type Integration,
  type IntegrationListQuery,
  type IntegrationSummary,
  type IntegrationView,
} from './schema';
import { compilePattern, credentialFieldNames, integrationKeyPattern } from './vocabulary';
import { builtInIntegrations } from './catalog/index';
import { appendPath, fillUrlTemplate, TemplateValueError } from './templates';

/**
 * The integration catalog: listing and showing definitions, and the rules connections
 * follow when they use one (credentials, params, URLs, the check request).
 *
 * Every function takes the catalog (or one definition) as a parameter: built-ins today,
 * built-ins plus the tenant's custom integrations later.
 */
export type Catalog = readonly Integration[];

export function listIntegrations(catalog: Catalog, query: IntegrationListQuery) {
  const after = decodeKeyCursor(query.cursor);
  const q = query.q?.toLowerCase();
  const matching = [...catalog]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter((i) => after === undefined || i.key > after)
    .filter((i) => !query.category || i.category === query.category)
    .filter((i) => !query.authType || i.auth.some((a) => a.type === query.authType))
    .filter((i) => !q || i.key.includes(q) || i.name.toLowerCase().includes(q));
  const data = matching.slice(0, query.limit);
  const more = matching.length > data.length;
  return { data: data.map(toSummary), nextCursor: more ? encodeKeyCursor(data.at(-1)!.key) : null };
}

export function getIntegration(catalog: Catalog, key: string): IntegrationView {
  const integration = findIntegration(catalog, key);
  if (!integration) throw new NotFound(`there is no integration "${key}"`);
  return toView(integration);
}

/** The full definition (for connections and OAuth), or undefined. Never send it as is. */
export function findIntegration(catalog: Catalog, key: string): Integration | undefined {
  return catalog.find((i) => i.key === key);
}

/**
 * The secret the provider signs its webhooks with (shared/inbound/verify.ts), kept with
 * the connection's other credentials so the vault seals it like them. Any auth type may
 * carry it, when the integration declares how its webhooks are signed.
 */
export const webhookSecretField = 'webhookSecret';
const webhookSecretRule: CredentialField = { name: webhookSecretField, label: 'Webhook signing secret', secret: true, maxLength: 512 };

/**
 * Checks credentials against what `authType` takes in this integration. Returns one error
 * per wrong field (`credentials.apiKey`), saying what is wrong and never quoting the value.
 */
export function validateCredentials(
  definition: Integration,
  authType: string,
  credentials: Record<string, unknown>,
): FieldError[] {
  const method = definition.auth.find((a) => a.type === authType);
  if (!method) {
    return [{ field: 'authType', message: `${definition.key} does not take ${authType}; it takes ${typesOf(definition).join(', ')}` }];
  }
  if (method.type === 'oauth2') {
    return [{ field: 'authType', message: 'oauth2 credentials come only from the OAuth flow (POST /v1/connect-sessions)' }];
  }
  const fields: readonly CredentialField[] = 'fields' in method ? method.fields : [];
  const errors: FieldError[] = [];
  for (const name of Object.keys(credentials)) {
    if (name === webhookSecretField && definition.webhooks) {
      const problem = credentialProblem(webhookSecretRule, credentials[name], method.type);
      if (problem) errors.push({ field: `credentials.${name}`, message: problem });
    } else if (!fields.some((f) => f.name === name)) {
      const takes = credentialFieldNames[method.type];
      errors.push({
        field: `credentials.${name}`,
        message: takes.length ? `is not a credential of ${method.type} (it takes ${takes.join(', ')})` : `${method.type} takes no credentials`,
      });
    }
  }
  for (const field of fields) {
    const value = Object.hasOwn(credentials, field.name) ? credentials[field.name] : undefined;
    const problem = credentialProblem(field, value, method.type);
    if (problem) errors.push({ field: `credentials.${field.name}`, message: problem });
  }
  return errors;
}

/** Checks params against the integration's declared params: unknown, missing, malformed. */
export function validateParams(definition: Integration, params: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of Object.keys(params)) {
    if (name === 'baseUrl') {
      if (!definition.baseUrlOverride) errors.push({ field: 'params.baseUrl', message: `${definition.key} does not allow overriding its base URL` });
      else {
        const problem = baseUrlOverrideProblem(definition, params.baseUrl);
        if (problem) errors.push({ field: 'params.baseUrl', message: problem });
      }
    } else if (!definition.params.some((p) => p.name === name)) {
      const names = definition.params.map((p) => p.name);
      errors.push({
        field: `params.${name}`,
        message: names.length ? `is not a param of ${definition.key} (it takes ${names.join(', ')})` : `${definition.key} takes no params`,
      });
    }
  }
  for (const param of definition.params) {
    const value = Object.hasOwn(params, param.name) ? params[param.name] : undefined;
    if (param.tokenResponseField) {
      if (value !== undefined) errors.push({ field: `params.${param.name}`, message: 'is filled by the OAuth flow' });
      continue;
    }
    if (value === undefined || value === '') {
      if (param.required) errors.push({ field: `params.${param.name}`, message: 'is required' });
      continue;
    }
    const problem = valueProblem(value, param.maxLength) ?? (compiled(param.pattern).test(value as string) ? undefined : mismatch(param.hint));
    if (problem) errors.push({ field: `params.${param.name}`, message: problem });
  }
  return errors;
}

/**
 * The base URL for a connection's params: `https://{shop}.myshopify.com/admin/api/2026-07`
 * with `{ shop: 'acme' }` → `https://acme.myshopify.com/admin/api/2026-07`. Params missing
 * from `params` take their declared default. Throws `Invalid` (400, errors on
 * `params.<name>`) when a param is missing or malformed, or would move the URL off the
 * template's host or path.
 */
export function buildBaseUrl(definition: Integration, params: Record<string, string>): string {
  const errors = validateParams(definition, params);
  if (errors.length > 0) throw invalidParams(definition, errors);
  return filledBaseUrl(definition, params);
}

function filledBaseUrl(definition: Integration, params: Record<string, string>): string {
  if (definition.baseUrlOverride && params.baseUrl) return params.baseUrl.replace(/\/$/, '');
  return fill(() => fillUrlTemplate(definition.baseUrl, withDefaults(definition, params)), definition);
}

/**
 * The origins (scheme, host, port) a connection's secrets are sent to with these params,
 * sorted: the API base URL for its credentials or access token and, for OAuth, the
 * authorization, token and revocation URLs (the refresh token and the client secret go
 * to the last two). Throws `Invalid` like `buildBaseUrl` when a param does not fill a URL.
 */
export function secretOrigins(definition: Integration, authType: string, params: Record<string, string>): string[] {
  if (authType === 'none') return [];
  const urls = [filledBaseUrl(definition, params)];
  if (authType === 'oauth2') {
    urls.push(buildOAuthUrl(definition, 'authorization', params), buildOAuthUrl(definition, 'token', params));
    if (definition.oauth2?.revocation) urls.push(buildOAuthUrl(definition, 'revocation', params));
  }
  return [...new Set(urls.map((url) => new URL(url).origin))].sort();
}

/** `secretOrigins`, or undefined where the params do not fill the URLs (secrets go nowhere). */
function filledOrigins(definition: Integration, authType: string, params: Record<string, string>): string[] | undefined {
  try {
    return secretOrigins(definition, authType, params);
  } catch (error) {
    if (error instanceof Invalid) return undefined;
    throw error;
  }
}

/**
 * Whether a change of integration definition would send a connection's stored secrets to
 * another origin. A definition the connection's params no longer fill sends them nowhere
 * (its refreshes and calls fail until the connection is fixed): not a move.
 */
export function definitionMovesSecrets(before: Integration, after: Integration, authType: string, params: Record<string, string>): boolean {
  const to = filledOrigins(after, authType, params);
  return to !== undefined && to.join(' ') !== filledOrigins(before, authType, params)?.join(' ');
}

/**
 * A params change that would send secrets stored for `before` to another origin: a field
 * error on `params` saying how to make the change, or undefined when every origin stays.
 * Stored params that no longer fill a URL (the integration changed since) count as moved.
 */
function secretsMoveProblem(definition: Integration, authType: string, before: Record<string, string>, after: Record<string, string>): FieldError | undefined {
  const to = secretOrigins(definition, authType, after);
  const from = filledOrigins(definition, authType, before);
  if (from && from.join(' ') === to.join(' ')) return undefined;
  const move = `would send the stored ${authType === 'oauth2' ? 'OAuth tokens' : 'credentials'} to ${to.join(', ')}${from ? ` instead of ${from.join(', ')}` : ''}`;
  return {
    field: 'params',
    message:
      authType === 'oauth2'
        ? `${move}: authorize again with POST /v1/connect-sessions naming this connectionId and the new params`
        : `${move}: send the credentials for the new host in the same request`,
  };
}

/**
 * What a connection must hold to be created or changed: resolves the auth type (required
 * only when the integration takes more than one non-OAuth type) and lists every wrong field.
 * `keptSecretsParams`: a change keeps the secrets stored for these params, so the new params
 * must send them to the same origins (see `secretOrigins`).
 */
export function validateConnection(
  definition: Integration,
  input: { authType?: string; credentials: Record<string, unknown>; params: Record<string, unknown>; keptSecretsParams?: Record<string, string> },
): { authType: string; errors: FieldError[] } {
  const direct = typesOf(definition).filter((t) => t !== 'oauth2');
  let authType = input.authType;
  const errors: FieldError[] = [];
  if (authType === undefined) {
    if (direct.length === 1) authType = direct[0]!;
    else if (direct.length === 0) {
      errors.push({ field: 'authType', message: `${definition.key} connects only through OAuth (POST /v1/connect-sessions)` });
    } else errors.push({ field: 'authType', message: `is required: ${definition.key} takes ${direct.join(', ')}` });
  }
  // OAuth credentials come from the flow, never from the caller: only the params are checked.
  if (authType !== undefined && authType !== 'oauth2') errors.push(...validateCredentials(definition, authType, input.credentials));
  errors.push(...validateParams(definition, input.params));
  if (input.keptSecretsParams && authType !== undefined && errors.length === 0) {
    const moved = secretsMoveProblem(definition, authType, input.keptSecretsParams, input.params as Record<string, string>);
    if (moved) errors.push(moved);
  }
  return { authType: authType ?? '', errors };
}

/** The request "test connection" sends: the integration's check endpoint, authenticated. */
export interface CheckRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * Builds the check request for stored credentials. `oauth2` connections pass
 * `{ accessToken }`. Throws `Invalid` when params or credentials do not fit.
 */
export function buildCheckRequest(
  definition: Integration,
  authType: string,
  params: Record<string, string>,
  credentials: Record<string, string>,
): CheckRequest {
  const base = buildBaseUrl(definition, params);
  const url = fill(() => appendPath(base, definition.check.path, withDefaults(definition, params)), definition);
  return authorizeRequest(definition, authType, credentials, { method: definition.check.method, url });
}

/**
 * A request to the provider (the check, a sync's page) with the definition's headers and
 * the connection's credentials added as its auth says. `oauth2` connections pass
 * `{ accessToken }`. Throws `Invalid` when the credentials do not fit.
 */
export function authorizeRequest(
  definition: Integration,
  authType: string,
  credentials: Record<string, string>,
  request: { method: string; url: string; headers?: Record<string, string>; body?: string },
): { method: string; url: string; headers: Record<string, string>; body?: string } {
  if (authType !== 'oauth2') {
    const errors = validateCredentials(definition, authType, credentials);
    if (errors.length > 0) throw new Invalid(`the stored credentials do not fit ${definition.key}`, errors);
  } else if (!definition.auth.some((a) => a.type === 'oauth2') || !credentials.accessToken) {
    throw new Invalid(`the connection has no OAuth access token for ${definition.key}`, [
      { field: 'credentials.accessToken', message: 'is required' },
    ]);
  }
  const url = new URL(request.url);
  const headers: Record<string, string> = { ...definition.headers, ...request.headers };
  const method = definition.auth.find((a) => a.type === authType)!;
  switch (method.type) {
    case 'api_key': {
      const key = credentials.apiKey!;
      if (method.sendAs.in === 'header') headers[method.sendAs.name] = `${method.sendAs.prefix ?? ''}${key}`;
      else if (method.sendAs.in === 'query') url.searchParams.set(method.sendAs.name, key);
      else headers.Authorization = basic(key, '');
      break;
    }
    case 'basic':
      headers.Authorization = basic(credentials.username!, credentials.password!);
      break;
    case 'bearer':
      headers.Authorization = `Bearer ${credentials.token}`;
      break;
    case 'oauth2':
      headers.Authorization = `Bearer ${credentials.accessToken}`;
      break;
    case 'none':
      break;
  }
  return { method: request.method, url: url.toString(), headers, ...(request.body !== undefined ? { body: request.body } : {}) };
}

/** Whether the check endpoint's answer means the credentials work (2xx, and `successField` true if declared). */
export function checkSucceeded(definition: Integration, response: { status: number; body: string }): boolean {
  if (response.status < 200 || response.status > 299) return false;
  const field = definition.check.successField;
  if (!field) return true;
  try {
    const body = JSON.parse(response.body) as unknown;
    return typeof body === 'object' && body !== null && (body as Record<string, unknown>)[field] === true;
  } catch {
    return false;
  }
}

// ---- views ----

function toSummary(integration: Integration): IntegrationSummary {
  return {
    key: integration.key,
    name: integration.name,
    category: integration.category,
    description: integration.description,
    authTypes: typesOf(integration),
    origin: builtInIntegrations.includes(integration) ? 'built-in' : 'custom',
  };
}

function toView(integration: Integration): IntegrationView {
  const oauth2 = integration.oauth2;
  return {
    ...toSummary(integration),
    docsUrl: integration.docsUrl,
    baseUrl: integration.baseUrl,
    baseUrlOverridable: Boolean(integration.baseUrlOverride),
    params: integration.params
      .filter((p) => !p.tokenResponseField)
      .map((p) => ({
        name: p.name,
        label: p.label,
        description: p.description,
        pattern: p.pattern,
        ...(p.hint ? { hint: p.hint } : {}),
        maxLength: p.maxLength,
        required: p.required,
        ...(p.default !== undefined ? { default: p.default } : {}),
        example: p.example,
      })),
    auth: integration.auth.map((a) => ({
      type: a.type,
      fields: ('fields' in a ? a.fields : []).map((f) => ({
        name: f.name,
        label: f.label,
        secret: f.secret,
        ...(f.pattern ? { pattern: f.pattern } : {}),
        ...(f.hint ? { hint: f.hint } : {}),
        maxLength: f.maxLength,
      })),
    })),
    oauth2: oauth2
      ? {
          scopeSeparator: oauth2.scopeSeparator,
          defaultScopes: oauth2.defaultScopes,
          pkce: oauth2.pkce,
          accessTokenLifetimeSeconds: oauth2.tokens.accessTokenLifetimeSeconds,
          refreshTokens: oauth2.tokens.refreshTokens,
        }
      : null,
    rateLimits: integration.rateLimits.map((r) => ({ ...r })),
    webhooks: integration.webhooks ? { scheme: integration.webhooks.scheme } : null,
    streams: integration.streams.map((stream) => ({
      name: stream.name,
      description: stream.description,
      params: (stream.params ?? []).map((p) => ({
        name: p.name,
        label: p.label,
        pattern: p.pattern,
        ...(p.hint ? { hint: p.hint } : {}),
        maxLength: p.maxLength,
        required: p.required,
        example: p.example,
      })),
      primaryKey: stream.primaryKey,
      cursorField: stream.cursorField?.path ?? null,
      incremental: { kind: stream.incremental.kind, ...(stream.incremental.kind === 'filter' ? { on: stream.incremental.on } : {}) },
      lookbackSeconds: stream.lookbackSeconds ?? 0,
      // Every field of a deletion rule says how a deletion shows in the records: all of it is for clients.
      deletions: { ...stream.deletions },
      pagination: { kind: stream.pagination.kind },
    })),
  };
}

// ---- cursors: the catalog is in memory, so a cursor is the last key shown ----

function encodeKeyCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeKeyCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  // Node's base64url decoder skips characters it does not know; only an exact round trip is ours.
  if (!integrationKeyPattern.test(key) || key.length > 64 || encodeKeyCursor(key) !== cursor) {
    throw new Invalid('the cursor is not one this list returned', [{ field: 'query.cursor', message: 'unknown cursor' }]);
  }
  return key;
}

// ---- rules for values ----

const patterns = new Map<string, RegExp>();
function compiled(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) {
    pattern = compilePattern(source);
    patterns.set(source, pattern);
  }
  return pattern;
}

function credentialProblem(field: CredentialField, value: unknown, type: AuthType): string | undefined {
  if (value === undefined || value === '') return 'is required';
  // A pasted key often brings a newline along: say so before calling it a control character.
  if (typeof value === 'string' && value.trim() !== value) return 'must not start or end with whitespace';
  const problem = valueProblem(value, field.maxLength);
  if (problem) return problem;
  const text = value as string;
  // RFC 7617: the user-id of HTTP Basic cannot contain a colon.
  if (type === 'basic' && field.name === 'username' && text.includes(':')) return 'must not contain a colon';
  if (field.pattern && !compiled(field.pattern).test(text)) return mismatch(field.hint);
  return undefined;
}

/** Checks shared by credentials and params; the length is checked before any pattern runs. */
function valueProblem(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  return undefined;
}

const mismatch = (hint: string | undefined) => (hint ? `must be ${hint}` : 'does not have the expected format');

function baseUrlOverrideProblem(definition: Integration, value: unknown): string | undefined {
  const problem = valueProblem(value, 500);
  if (problem) return problem;
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol !== 'https:') return 'must be an absolute https URL';
  if (url.username || url.password || url.search || url.hash) return 'must not carry credentials, a query or a fragment';
  const suffixes = definition.baseUrlOverride?.hostSuffixes;
  if (suffixes && !suffixes.some((s) => url.hostname.endsWith(s) && url.hostname.length > s.length)) {
    return `must be on ${suffixes.map((s) => `*${s}`).join(' or ')}`;
  }
  const path = definition.baseUrlOverride?.path;
  if (path && url.pathname.replace(/\/$/, '') !== path) return `must have the path ${path} (https://HOST${path})`;
  return undefined;
}

function withDefaults(definition: Integration, params: Record<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const param of definition.params) {
    const value = Object.hasOwn(params, param.name) && params[param.name] ? params[param.name] : param.default;
    if (value !== undefined) values[param.name] = value;
  }
  return values;
}

function fill(build: () => string, definition: Integration): string {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof TemplateValueError)) throw error;
    throw invalidParams(definition, [{ field: `params.${error.param}`, message: error.message }]);
  }
}

function invalidParams(definition: Integration, errors: FieldError[]) {
  return new Invalid(
    `the params do not fit integration "${definition.key}": ${errors.map((e) => `${e.field} (${e.message})`).join('; ')}`,
    errors,
  );
}

function typesOf(definition: Integration): AuthType[] {
  return definition.auth.map((a) => a.type);
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * One of the integration's OAuth URLs filled with a connection's params (Shopify's live on
 * the shop's own host). Throws `Invalid` like `buildBaseUrl` when a param does not fit.
 */
export function buildOAuthUrl(
  definition: Integration,
  which: 'authorization' | 'token' | 'revocation' | 'issuer',
  params: Record<string, string>,
): string {
  const oauth2 = definition.oauth2;
  if (!oauth2) throw new Invalid(`${definition.key} does not use OAuth`, [{ field: 'body.integration', message: 'has no OAuth flow' }]);
  const template = { authorization: oauth2.authorizationUrl, token: oauth2.tokenUrl, revocation: oauth2.revocation?.url, issuer: oauth2.issuer }[which];
  if (!template) throw new Invalid(`${definition.key} has no ${which} URL`);
  return fill(() => fillUrlTemplate(template, withDefaults(definition, params)), definition);
}
