import { randomUUID } from 'node:crypto';
import type { Connection } from '../connections/schema';
import type { ConnectionItem, CredentialsItem, RefreshFailure, TransactItem } from '../connections/store';
import type { Integration } from '../integrations/schema';
import { buildOAuthUrl } from '../integrations/service';
import { findTenantIntegration, type IntegrationSource } from '../integrations/tenant-catalog';
import type { Audit } from '../platform/audit';
import { BadGateway, Conflict, DomainError, Invalid, NotFound } from '../platform/errors';
import { logger } from '../platform/logger';
import type { Sealed, Vault } from '../vault/vault';
import { openClient } from './clients';
import type { OAuthStore } from './store';
import { refreshTokens, TokenError, type Send } from './token-client';

/**
 * Fresh OAuth tokens for a connection, refreshed before they expire and never by two
 * callers at once.
 *
 * A caller that finds the access token expiring within `marginMs` refreshes it under a
 * lease: a conditional write on the credentials item that only one caller can win per
 * token generation. The winner calls the token endpoint and stores the new access token
 * with the (possibly rotated) refresh token in one write, bumping the generation and
 * dropping the lease in the same condition; the others wait for the generation to move
 * and use its result. Callers in one container share one attempt before even trying.
 */
export interface TokenDeps {
  /** OAuth's own items: the tenants' OAuth clients and the connect sessions. */
  store: OAuthStore;
  connections: ConnectionPort;
  integrations: IntegrationSource;
  vault: Vault;
  send: Send;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What OAuth asks of connections (connections/service.ts answers it). OAuth never writes a
 * connection or its credentials itself: it seals the tokens and says what happened.
 */
export interface ConnectionPort {
  get(tenantId: string, id: string): Promise<ConnectionItem | undefined>;
  credentials(tenantId: string, id: string): Promise<CredentialsItem | undefined>;
  /** The connection a flow authorized; `also` (the session's outcome) commits with it. Throws Conflict when nothing was written. */
  createAuthorized(
    audit: Audit,
    connection: { id: string; integration: string; name: string; params: Record<string, string>; custom: boolean },
    grant: Grant,
    at: Date,
    also: TransactItem[],
  ): Promise<Connection>;
  /** A new grant for an existing connection; `also` commits with it. False when the connection is gone. */
  reauthorize(audit: Audit, connection: { id: string; params: Record<string, string> }, grant: Grant, at: Date, also: TransactItem[]): Promise<boolean>;
  acquireRefreshLease(credentials: CredentialsItem, owner: string, at: Date, until: Date): Promise<boolean>;
  /** The next generation of `credentials`; false when `owner` lost the lease or the connection is gone. */
  storeRefreshedTokens(credentials: CredentialsItem, owner: string, grant: Omit<Grant, 'scopes'>, at: Date): Promise<boolean>;
  recordRefreshFailure(credentials: CredentialsItem, connection: ConnectionItem | undefined, owner: string, failure: RefreshFailure): Promise<void>;
  expiringCredentials(until: string): Promise<CredentialsItem[]>;
}

/** Tokens a provider granted, sealed for the connection they belong to. */
export interface Grant {
  sealed: Sealed;
  /** A refresh token came with them. */
  refreshable: boolean;
  scopes: string[];
  /** When the access token expires; absent when the provider says it does not. */
  expiresAt?: string;
}

export interface OAuthCredentials {
  accessToken: string;
  refreshToken?: string;
}

export const marginMs = 5 * 60_000;
const leaseMs = 30_000;
const waitLimitMs = 20_000;
const purpose = 'credentials';

export class ReauthorizationRequired extends Conflict {
  constructor(connectionId: string) {
    super(`connection ${connectionId} must be authorized again: the provider refused its refresh token; start a connect session with its connectionId`);
  }
}

/** Refreshes under way in this container (per deps: one deps object is one container). */
const inFlight = new WeakMap<TokenDeps, Map<string, Promise<OAuthCredentials>>>();

/** `integration`: the connection's, when the caller has read it already (a refresh then reads none). */
export async function freshTokens(
  deps: TokenDeps,
  tenantId: string,
  connectionId: string,
  integration?: Integration,
  options: { rejected?: string } = {},
): Promise<OAuthCredentials> {
  const item = await deps.connections.credentials(tenantId, connectionId);
  if (!item) throw new NotFound(`no connection ${connectionId}`);
  if (!needsRefresh(item, now(deps))) {
    const current = await open(deps, item);
    // A token the provider refused before its expiry (revoked, rotated): refresh it once.
    if (options.rejected === undefined || current.accessToken !== options.rejected) return current;
  }
  // The grant is known to be gone: asking the provider again would only fail again.
  if (item.refreshError && grantGone(item.refreshError.code)) throw refreshFailure(connectionId, item.refreshError);
  const key = `${tenantId}/${connectionId}`;
  const mine = inFlight.get(deps) ?? new Map<string, Promise<OAuthCredentials>>();
  inFlight.set(deps, mine);
  let pending = mine.get(key);
  if (!pending) {
    pending = refreshUnderLease(deps, tenantId, connectionId, item, integration).finally(() => mine.delete(key));
    mine.set(key, pending);
  }
  return pending;
}

function needsRefresh(item: CredentialsItem, at: Date): boolean {
  return item.tokenExpiresAt !== undefined && Date.parse(item.tokenExpiresAt) - at.getTime() < marginMs;
}

async function refreshUnderLease(deps: TokenDeps, tenantId: string, connectionId: string, first: CredentialsItem, integration?: Integration): Promise<OAuthCredentials> {
  const owner = randomUUID();
  const started = now(deps).getTime();
  let item = first;
  for (;;) {
    const at = now(deps);
    if (await deps.connections.acquireRefreshLease(item, owner, at, new Date(at.getTime() + leaseMs))) return refresh(deps, item, owner, integration);
    // Someone else holds the lease: wait for its outcome.
    await (deps.sleep ?? delay)(50 + Math.random() * 50);
    const seen = await deps.connections.credentials(tenantId, connectionId);
    if (!seen) throw new NotFound(`no connection ${connectionId}`);
    if ((seen.generation ?? 0) !== (item.generation ?? 0) && !needsRefresh(seen, now(deps))) return open(deps, seen);
    if (seen.leaseOwner === undefined && (seen.generation ?? 0) === (item.generation ?? 0) && seen.refreshError) {
      throw refreshFailure(connectionId, seen.refreshError);
    }
    if (now(deps).getTime() - started > waitLimitMs) throw new BadGateway(`the token refresh of connection ${connectionId} did not finish in time; retry`, { 'retry-after': '5' });
    item = seen;
  }
}

async function refresh(deps: TokenDeps, item: CredentialsItem, owner: string, integration?: Integration): Promise<OAuthCredentials> {
  const { tenantId, connectionId } = item;
  const at = now(deps);
  let connection: ConnectionItem | undefined;
  try {
    const current = await open(deps, item);
    connection = await deps.connections.get(tenantId, connectionId);
    const definition =
      connection && (integration?.key === connection.integration ? integration : await findTenantIntegration(deps.integrations, tenantId, connection.integration));
    const client = connection && (await openClient(deps, tenantId, connection.integration));
    if (!connection || !definition?.oauth2 || !client || !current.refreshToken) {
      const reason = !current.refreshToken ? 'no_refresh_token' : !client ? 'no_oauth_client' : 'integration_missing';
      throw new TokenError(reason, `cannot refresh: ${reason.replaceAll('_', ' ')}`, false);
    }
    const tokens = await refreshTokens(
      (request) => deps.send(request),
      definition,
      { tokenUrl: buildOAuthUrl(definition, 'token', connection.params), client, refreshToken: current.refreshToken, scopes: connection.oauth?.scopes ?? [] },
      at,
    );
    const next: OAuthCredentials = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? current.refreshToken };
    const sealed = await deps.vault.seal(next, { tenantId, connectionId, purpose });
    if (!(await deps.connections.storeRefreshedTokens(item, owner, { sealed, refreshable: Boolean(next.refreshToken), expiresAt: tokens.expiresAt }, at))) {
      throw new Conflict(`connection ${connectionId} changed while its tokens were refreshed; retry`);
    }
    return next;
  } catch (error) {
    // The Conflict above: the lease ran out and another caller took over, or the
    // connection was deleted. Either way there is no lease of ours left to give back.
    if (error instanceof Conflict) throw error;
    // Anything else fails this connection alone: recorded, backed off, lease given back,
    // so that neither the scheduled run nor the next caller waits on a dead lease.
    const failure = asTokenError(error, item);
    await fail(deps, item, connection, owner, failure, at);
    throw refreshFailure(connectionId, failure);
  }
}

/**
 * A failure that is not the provider's answer, as a refresh error to record: an integration
 * whose token URL no longer fits the connection's params (a template changed to need a new
 * one) is the tenant's to fix; anything else is ours, logged with its stack.
 */
function asTokenError(error: unknown, item: CredentialsItem): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof Invalid) return new TokenError('integration_invalid', error.message, false);
  logger.error('token refresh failed unexpectedly', { tenantId: item.tenantId, connectionId: item.connectionId, error });
  return new TokenError('internal_error', 'the refresh failed inside Junction', true);
}

/**
 * Records a failed refresh and gives the lease back. `invalid_grant` (the grant is gone:
 * revoked, expired, or a rotated refresh token reused) or a missing refresh token marks
 * the connection `auth_failed`,
 * takes it out of the refresh index and records `connection.auth_failed`; anything else
 * backs the scheduled refresher off exponentially and leaves the connection as it is.
 */
async function fail(deps: TokenDeps, item: CredentialsItem, connection: ConnectionItem | undefined, owner: string, error: TokenError, at: Date) {
  const failures = (item.refreshFailures ?? 0) + 1;
  logger.warn('token refresh failed', { tenantId: item.tenantId, connectionId: item.connectionId, code: error.code, retryable: error.retryable });
  await deps.connections.recordRefreshFailure(item, connection, owner, {
    error: { code: error.code, at: at.toISOString() },
    failures,
    retryAt: new Date(at.getTime() + Math.min(2 ** failures * 60_000, 60 * 60_000)).toISOString(),
    permanent: grantGone(error.code),
  });
}

/** Only the user can fix these: the grant was revoked or expired, or never had a refresh token. */
const grantGone = (code: string) => code === 'invalid_grant' || code === 'no_refresh_token';
/** Only the tenant can fix these: its OAuth client is missing or refused. */
const clientProblem = (code: string) => ['invalid_client', 'unauthorized_client', 'no_oauth_client', 'integration_missing'].includes(code);

function refreshFailure(connectionId: string, error: { code: string }) {
  if (grantGone(error.code)) return new ReauthorizationRequired(connectionId);
  if (clientProblem(error.code)) {
    return new Conflict(`connection ${connectionId} cannot be refreshed: its integration's OAuth client is missing or was refused (${error.code}); check PUT /v1/integrations/{key}/oauth-client`);
  }
  if (error.code === 'integration_invalid') {
    return new Conflict(`connection ${connectionId} cannot be refreshed: its integration's token URL no longer fits the connection's params; fix the integration or authorize the connection again`);
  }
  if (error.code === 'internal_error') {
    return new BadGateway(`the token refresh of connection ${connectionId} failed inside Junction; retry later`, { 'retry-after': '30' });
  }
  return new BadGateway(`the provider's token endpoint failed (${error.code}) refreshing connection ${connectionId}; retry later`, { 'retry-after': '30' });
}

/**
 * The scheduled refresher: refreshes every token expiring within `aheadMs`, found through
 * the refresh index, skipping those backing off.
 *
 * One connection's failure, whatever it is, stays that connection's: it is logged and
 * counted, and the refresh has recorded it with its backoff, so the run goes on with the
 * others. Only a failing index query fails the run, before any token request is sent.
 */
export async function refreshExpiring(deps: TokenDeps, options: { aheadMs?: number; concurrency?: number } = {}) {
  const at = now(deps);
  const until = new Date(at.getTime() + (options.aheadMs ?? 15 * 60_000)).toISOString();
  // Those backing off after a failure wait for their retry time.
  const due = (await deps.connections.expiringCredentials(until)).filter((item) => !item.refreshRetryAt || item.refreshRetryAt <= at.toISOString());
  let refreshed = 0;
  let failed = 0;
  const queue = [...due];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      try {
        // Re-read: the index is eventually consistent and another caller may have refreshed.
        await freshTokens(deps, item.tenantId, item.connectionId);
        refreshed++;
      } catch (error) {
        failed++;
        const where = { tenantId: item.tenantId, connectionId: item.connectionId };
        if (error instanceof DomainError) logger.warn('scheduled token refresh failed', { ...where, detail: error.message });
        else logger.error('scheduled token refresh failed', { ...where, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, due.length) }, worker));
  return { due: due.length, refreshed, failed };
}

async function open(deps: TokenDeps, item: CredentialsItem): Promise<OAuthCredentials> {
  return deps.vault.open<OAuthCredentials>(item, { tenantId: item.tenantId, connectionId: item.connectionId, purpose });
}

const now = (deps: TokenDeps) => deps.now?.() ?? new Date();
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

