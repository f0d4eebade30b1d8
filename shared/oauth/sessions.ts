import { timingSafeEqual } from 'node:crypto';
import { buildOAuthUrl, validateParams } from '../integrations/service';
import type { Integration } from '../integrations/schema';
import { findTenantIntegration } from '../integrations/tenant-catalog';
import { compilePattern } from '../integrations/vocabulary';
import { changeRecords, type Audit } from '../platform/audit';
import { Conflict, Invalid, NotFound } from '../platform/errors';
import { newId } from '../platform/ids';
import { logger } from '../platform/logger';
import { openClient } from './clients';
import { challengeOf, hashOf, newStateSecret, newVerifier } from './pkce';
import type { CallbackQuery, ConnectSessionInput, ConnectSessionView } from './schema';
import type { SessionItem } from './store';
import { exchangeCode, TokenError, type TokenSet } from './token-client';
import type { Grant, TokenDeps } from './tokens';
import type * as z from 'zod';

/**
 * Connect sessions: the authorization-code flow (RFC 6749 §4.1) with PKCE S256 (RFC 7636)
 * where the provider takes it, and a single-use `state` of 256 random bits that also names
 * the session. Nothing is created until the code exchange has succeeded and returned every
 * scope asked for; then the connection, its sealed tokens, the session's outcome and the
 * audit entry are written in one transaction, which the connections store runs: the
 * session's outcome is OAuth's item in it, the rest are the connection's.
 */
export const sessionLifetimeMs = 10 * 60_000;
const keptForSeconds = 7 * 24 * 60 * 60;
const purpose = 'credentials';

export async function createConnectSession(
  deps: TokenDeps,
  audit: Audit,
  input: ConnectSessionInput,
  callbackUrl: string,
): Promise<ConnectSessionView> {
  const at = now(deps);
  const definition = await findTenantIntegration(deps.integrations, audit.tenantId, input.integration);
  if (!definition) throw new Invalid(`there is no integration "${input.integration}"`, [{ field: 'body.integration', message: 'unknown integration' }]);
  if (!definition.oauth2) {
    throw new Invalid(`${definition.key} does not use OAuth; create the connection with credentials`, [{ field: 'body.integration', message: 'has no OAuth flow' }]);
  }
  const client = await openClient(deps, audit.tenantId, definition.key);
  if (!client) throw new Conflict(`set the OAuth client for ${definition.key} first (PUT /v1/integrations/${definition.key}/oauth-client)`);
  if (input.connectionId) {
    const target = await deps.connections.get(audit.tenantId, input.connectionId);
    if (!target) throw new NotFound(`no connection ${input.connectionId}`);
    if (target.integration !== definition.key || target.authType !== 'oauth2') {
      throw new Invalid(`connection ${input.connectionId} is not an OAuth connection to ${definition.key}`, [{ field: 'body.connectionId', message: 'not an OAuth connection of this integration' }]);
    }
  }
  const paramErrors = validateParams(definition, input.params).map((e) => ({ ...e, field: `body.${e.field}` }));
  if (paramErrors.length > 0) throw new Invalid(`the params do not fit ${definition.key}`, paramErrors);
  // The user consents at the provider's own hosts; the token they grant must go to that
  // provider's API, not to any host a base-URL override without host suffixes would allow.
  if (input.params.baseUrl && !definition.baseUrlOverride?.hostSuffixes?.length) {
    throw new Invalid(`an OAuth connection to ${definition.key} uses the provider's own API: its base URL cannot be set`, [
      { field: 'body.params.baseUrl', message: 'not for OAuth connections of this integration' },
    ]);
  }

  const id = newId('cs', at.getTime());
  const secret = newStateSecret();
  const scopes = input.scopes ?? client.scopes ?? definition.oauth2.defaultScopes;
  const redirectUri = client.redirectUrl ?? callbackUrl;
  const verifier = definition.oauth2.pkce === 'unsupported' ? undefined : newVerifier();
  const url = new URL(buildOAuthUrl(definition, 'authorization', input.params));
  const query: Record<string, string> = {
    ...definition.oauth2.authorizationParams,
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    state: `${id}.${secret}`,
    ...(scopes.length ? { scope: scopes.join(definition.oauth2.scopeSeparator) } : {}),
    ...(verifier ? { code_challenge: challengeOf(verifier), code_challenge_method: 'S256' } : {}),
  };
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);

  const item: SessionItem = {
    id,
    tenantId: audit.tenantId,
    keyId: audit.keyId,
    integration: definition.key,
    params: input.params,
    scopes,
    name: input.name ?? null,
    returnUrl: input.returnUrl,
    redirectUri,
    stateHash: hashOf(secret),
    verifier: verifier ? await deps.vault.seal(verifier, { tenantId: audit.tenantId, connectionId: id, purpose: 'pkce-verifier' }) : null,
    connectionId: input.connectionId ?? null,
    status: 'pending',
    error: null,
    errorDescription: null,
    createdAt: at.toISOString(),
    validUntil: new Date(at.getTime() + sessionLifetimeMs).toISOString(),
    expiresAt: Math.floor(at.getTime() / 1000) + keptForSeconds,
  };
  await deps.store.createSession(item, changeRecords(deps.store.table, audit, id, item.createdAt, 201));
  return view(item, at, url.toString());
}

export async function getConnectSession(deps: Pick<TokenDeps, 'store' | 'now'>, tenantId: string, id: string): Promise<ConnectSessionView> {
  const item = await deps.store.getSession(id);
  // Another tenant's session does not exist for this one.
  if (!item || item.tenantId !== tenantId) throw new NotFound(`no connect session ${id}`);
  return view(item, now(deps));
}

const statePattern = /^(cs_[0-9A-HJKMNP-TV-Z]{26})\.([A-Za-z0-9_-]{43})$/;

/**
 * The provider's redirect back. Answers where to send the user: the session's return URL
 * with `connection_id`, or with `error` (and `error_description`) when the user denied
 * access, the exchange failed, or anything else failed once the session was claimed
 * (`server_error`, the session `failed`). A missing, forged or unknown state has no return URL to
 * trust: that is a 400 and changes nothing, as does a replayed or expired one.
 */
export async function handleCallback(deps: TokenDeps, query: z.infer<typeof CallbackQuery>, requestId: string): Promise<string> {
  const at = now(deps);
  const match = statePattern.exec(query.state ?? '');
  const session = match ? await deps.store.getSession(match[1]!) : undefined;
  if (!match || !session || !sameHash(session.stateHash, hashOf(match[2]!))) {
    throw new Invalid('the state is missing or unknown: this callback does not belong to a connect session', [{ field: 'query.state', message: 'unknown state' }]);
  }
  const back = (outcome: Record<string, string>) => returnTo(session.returnUrl, { ...outcome, session_id: session.id });

  if (!(await deps.store.claimSession(session.id, at))) {
    const current = await deps.store.getSession(session.id);
    if (current?.status === 'pending') {
      await deps.store.finishSession(session.id, 'pending', { status: 'expired', error: 'expired_session', errorDescription: 'the user came back after the session expired' });
      return back({ error: 'expired_session', error_description: 'the connect session expired; start a new one' });
    }
    return back({ error: 'session_used', error_description: 'this connect session was already used' });
  }

  const failWith = async (error: string, description: string) => {
    await deps.store.finishSession(session.id, 'exchanging', { status: 'failed', error, errorDescription: description });
    return back({ error, error_description: description });
  };

  // Once claimed, the session can only end on the return URL: a failure here must not
  // leave it `exchanging` for good, nor show the user a bare 500 instead of the app.
  try {
    return await complete(deps, session, query, requestId, at, { back, failWith });
  } catch (error) {
    logger.error('callback failed after claiming its session', { sessionId: session.id, requestId, error });
    const description = `Junction could not complete the connection (request ${requestId}); start a new connect session`;
    try {
      const recorded = await deps.store.finishSession(session.id, 'exchanging', { status: 'failed', error: 'server_error', errorDescription: description });
      // Not `exchanging` any more: the connection's own transaction went through and only its answer was lost.
      const current = recorded ? undefined : await deps.store.getSession(session.id);
      if (current?.status === 'completed' && current.connectionId) return back({ connection_id: current.connectionId });
    } catch (unrecorded) {
      // Not even the failure could be written (the table itself is failing): still send the user back.
      logger.error('could not record the failed callback', { sessionId: session.id, requestId, error: unrecorded });
    }
    return back({ error: 'server_error', error_description: description });
  }
}

/** The claimed session's exchange: the code for tokens, then the connection (or the failure). */
async function complete(
  deps: TokenDeps,
  session: SessionItem,
  query: z.infer<typeof CallbackQuery>,
  requestId: string,
  at: Date,
  outcome: { back: (outcome: Record<string, string>) => string; failWith: (error: string, description: string) => Promise<string> },
): Promise<string> {
  const { back, failWith } = outcome;
  if (query.error) {
    const code = /^[\x20-\x7e]{1,64}$/.test(query.error) ? query.error : 'invalid_request';
    return failWith(code, code === 'access_denied' ? 'the user did not grant access' : `the provider answered ${code}`);
  }
  if (!query.code) return failWith('invalid_request', 'the provider sent neither a code nor an error');

  const definition = await findTenantIntegration(deps.integrations, session.tenantId, session.integration);
  const client = definition?.oauth2 ? await openClient(deps, session.tenantId, session.integration) : undefined;
  if (!definition?.oauth2 || !client) return failWith('configuration_changed', 'the integration or its OAuth client was removed during the flow');
  // RFC 9207: an authorization server that names itself must be the one this session went to.
  const issuer = definition.oauth2.issuer ? buildOAuthUrl(definition, 'issuer', session.params) : undefined;
  if (query.iss !== undefined && issuer !== undefined && query.iss !== issuer) {
    return failWith('issuer_mismatch', 'the response came from another authorization server than the one the user was sent to');
  }

  let tokens: TokenSet;
  try {
    const verifier = session.verifier
      ? await deps.vault.open<string>(session.verifier, { tenantId: session.tenantId, connectionId: session.id, purpose: 'pkce-verifier' })
      : undefined;
    tokens = await exchangeCode(
      (request) => deps.send(request),
      definition,
      {
        tokenUrl: buildOAuthUrl(definition, 'token', session.params),
        client,
        code: query.code,
        redirectUri: session.redirectUri,
        ...(verifier ? { verifier } : {}),
        requestedScopes: session.scopes,
      },
      at,
    );
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    logger.warn('code exchange failed', { sessionId: session.id, code: error.code });
    return failWith(error.code, error.message);
  }

  const params = { ...session.params, ...tokens.extra };
  const problems = tokenParamProblems(definition, tokens.extra);
  if (problems) return failWith('invalid_response', problems);

  const connectionId = session.connectionId ?? newId('conn', at.getTime());
  const grant: Grant = {
    sealed: await deps.vault.seal(
      { accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) },
      { tenantId: session.tenantId, connectionId, purpose },
    ),
    refreshable: Boolean(tokens.refreshToken),
    scopes: tokens.scopes,
    ...(tokens.expiresAt ? { expiresAt: tokens.expiresAt } : {}),
  };
  const audit: Audit = { tenantId: session.tenantId, keyId: session.keyId, requestId, action: session.connectionId ? 'connection.reauthorize' : 'connection.create' };
  // The session ends `completed` only in the transaction that makes the connection, and only from `exchanging`.
  const finish = [deps.store.sessionFinish(session.id, 'exchanging', { status: 'completed', connectionId })];

  if (session.connectionId) {
    if (!(await deps.connections.reauthorize(audit, { id: connectionId, params }, grant, at, finish))) {
      return failWith('connection_deleted', 'the connection was deleted during the flow');
    }
  } else {
    const connection = { id: connectionId, integration: definition.key, name: session.name ?? definition.name, params, custom: !deps.integrations.builtIns.includes(definition) };
    await deps.connections.createAuthorized(audit, connection, grant, at, finish);
  }
  return back({ connection_id: connectionId });
}

/** Params filled from the token response must still match their patterns (they end up in URLs). */
function tokenParamProblems(definition: Integration, extra: Record<string, string>): string | undefined {
  for (const param of definition.params.filter((p) => p.tokenResponseField)) {
    const value = extra[param.name];
    if (param.required && value === undefined) return `the token response lacks ${param.tokenResponseField}`;
    if (value !== undefined && (value.length > param.maxLength || !compilePattern(param.pattern).test(value))) {
      return `the token response's ${param.tokenResponseField} does not have the expected form`;
    }
  }
  return undefined;
}

function returnTo(returnUrl: string, outcome: Record<string, string>): string {
  const url = new URL(returnUrl);
  for (const [name, value] of Object.entries(outcome)) url.searchParams.set(name, value);
  return url.toString();
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * `authorizationUrl` is given only by the request that made the session: it carries the
 * single-use state, which is stored only as a hash, so that whoever can read the table
 * cannot complete a flow.
 */
function view(item: SessionItem, at: Date, authorizationUrl: string | null = null): ConnectSessionView {
  const expired = item.status === 'pending' && item.validUntil <= at.toISOString();
  return {
    id: item.id,
    integration: item.integration,
    status: expired ? 'expired' : item.status,
    scopes: item.scopes,
    returnUrl: item.returnUrl,
    authorizationUrl,
    expiresAt: item.validUntil,
    connectionId: item.connectionId,
    error: item.error,
    errorDescription: item.errorDescription,
    createdAt: item.createdAt,
  };
}

const now = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();
