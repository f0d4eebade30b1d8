import { isConditionFailed } from '../platform/dynamodb';
import { createHash, randomUUID } from 'node:crypto';
import type { ConnectionHealth, ConnectionItem, CredentialsItem } from '../connections/store';
import { connectionKey, credentialsKey, getConnection, getCredentials } from '../connections/store';
import { findIntegration, buildOAuthUrl, type Catalog } from '../integrations/service';
import { BadGateway, Conflict, DomainError, Invalid, NotFound } from '../platform/errors';
import { eventPut } from '../platform/events';
import { strip, transact, type TableStore } from '../platform/items';
import { logger } from '../platform/logger';
import type { Vault } from '../vault/vault';
import { openClient } from './clients';
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
export interface TokenDeps extends TableStore {
  vault: Vault;
  catalogFor(tenantId: string): Promise<Catalog>;
  send: Send;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export interface OAuthCredentials {
  accessToken: string;
  refreshToken?: string;
}

export const marginMs = 5 * 60_000;
const leaseMs = 30_000;
const waitLimitMs = 20_000;
export const refreshShards = 8;
const purpose = 'credentials';

/** Where an OAuth connection's credentials sit in the refresh index (gsi1). */
export function refreshIndex(connectionId: string, tokenExpiresAt: string) {
  const shard = createHash('sha256').update(connectionId).digest()[0]! % refreshShards;
  return { gsi1pk: `TOKENS#${shard}`, gsi1sk: tokenExpiresAt };
}

export class ReauthorizationRequired extends Conflict {
  constructor(connectionId: string) {
    super(`connection ${connectionId} must be authorized again: the provider refused its refresh token; start a connect session with its connectionId`);
  }
}

/** Refreshes under way in this container (per deps: one deps object is one container). */
const inFlight = new WeakMap<TokenDeps, Map<string, Promise<OAuthCredentials>>>();

export async function freshTokens(deps: TokenDeps, tenantId: string, connectionId: string): Promise<OAuthCredentials> {
  const item = await getCredentials(deps, tenantId, connectionId);
  if (!item) throw new NotFound(`no connection ${connectionId}`);
  if (!needsRefresh(item, now(deps))) return open(deps, item);
  // The grant is known to be gone: asking the provider again would only fail again.
  if (item.refreshError && grantGone(item.refreshError.code)) throw refreshFailure(connectionId, item.refreshError);
  const key = `${tenantId}/${connectionId}`;
  const mine = inFlight.get(deps) ?? new Map<string, Promise<OAuthCredentials>>();
  inFlight.set(deps, mine);
  let pending = mine.get(key);
  if (!pending) {
    pending = refreshUnderLease(deps, tenantId, connectionId, item).finally(() => mine.delete(key));
    mine.set(key, pending);
  }
  return pending;
}

function needsRefresh(item: CredentialsItem, at: Date): boolean {
  return item.tokenExpiresAt !== undefined && Date.parse(item.tokenExpiresAt) - at.getTime() < marginMs;
}

async function refreshUnderLease(deps: TokenDeps, tenantId: string, connectionId: string, first: CredentialsItem): Promise<OAuthCredentials> {
  const owner = randomUUID();
  const started = Date.now();
  let item = first;
  for (;;) {
    if (await acquire(deps, item, owner)) return refresh(deps, item, owner);
    // Someone else holds the lease: wait for its outcome.
    await (deps.sleep ?? delay)(50 + Math.random() * 50);
    const seen = await getCredentials(deps, tenantId, connectionId);
    if (!seen) throw new NotFound(`no connection ${connectionId}`);
    if ((seen.generation ?? 0) !== (item.generation ?? 0) && !needsRefresh(seen, now(deps))) return open(deps, seen);
    if (seen.leaseOwner === undefined && (seen.generation ?? 0) === (item.generation ?? 0) && seen.refreshError) {
      throw refreshFailure(connectionId, seen.refreshError);
    }
    if (Date.now() - started > waitLimitMs) throw new BadGateway(`the token refresh of connection ${connectionId} did not finish in time; retry`, { 'retry-after': '5' });
    item = seen;
  }
}

async function acquire(deps: TokenDeps, item: CredentialsItem, owner: string): Promise<boolean> {
  const at = now(deps).getTime();
  try {
    await deps.db.update({
        TableName: deps.table,
        Key: credentialsKey(item.tenantId, item.connectionId),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
        ConditionExpression: 'generation = :generation AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeValues: { ':owner': owner, ':until': at + leaseMs, ':generation': item.generation ?? 0, ':now': at },
      });
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

async function refresh(deps: TokenDeps, item: CredentialsItem, owner: string): Promise<OAuthCredentials> {
  const { tenantId, connectionId } = item;
  const at = now(deps);
  let connection: ConnectionItem | undefined;
  try {
    const current = await open(deps, item);
    connection = await getConnection(deps, tenantId, connectionId);
    const definition = connection && findIntegration(await deps.catalogFor(tenantId), connection.integration);
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
    await storeTokens(deps, { tenantId, connectionId, tokens: next, expiresAt: tokens.expiresAt, generation: (item.generation ?? 0) + 1, owner, at });
    return next;
  } catch (error) {
    // storeTokens' Conflict: the lease ran out and another caller took over, or the
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
 * Writes new tokens: the sealed pair, the expiry (and the refresh index while a refresh
 * token exists), the new generation, no lease — conditional on still holding the lease.
 */
export async function storeTokens(
  deps: TokenDeps,
  input: { tenantId: string; connectionId: string; tokens: OAuthCredentials; expiresAt?: string; generation: number; owner: string; at: Date },
) {
  const { tenantId, connectionId, at } = input;
  const sealed = await deps.vault.seal(input.tokens, { tenantId, connectionId, purpose });
  const stored = await transact(deps, [
    {
      Put: {
        TableName: deps.table,
        Item: {
          ...credentialsKey(tenantId, connectionId),
          ...tokenItem({ tenantId, connectionId, sealed, tokens: input.tokens, expiresAt: input.expiresAt, generation: input.generation, at }),
        },
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': input.owner },
      },
    },
    {
      Update: {
        TableName: deps.table,
        Key: connectionKey(tenantId, connectionId),
        UpdateExpression: 'SET oauth.tokenExpiresAt = :expires, health = :health',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':expires': input.expiresAt ?? null, ':health': healthy(at) },
      },
    },
  ]);
  if (!stored) throw new Conflict(`connection ${connectionId} changed while its tokens were refreshed; retry`);
}

/** The credentials item of an OAuth connection (new tokens, no lease, no error). */
export function tokenItem(input: {
  tenantId: string;
  connectionId: string;
  sealed: Awaited<ReturnType<Vault['seal']>>;
  tokens: OAuthCredentials;
  expiresAt?: string;
  generation: number;
  at: Date;
}): CredentialsItem {
  return {
    ...input.sealed,
    tenantId: input.tenantId,
    connectionId: input.connectionId,
    updatedAt: input.at.toISOString(),
    generation: input.generation,
    ...(input.expiresAt ? { tokenExpiresAt: input.expiresAt } : {}),
    ...(input.expiresAt && input.tokens.refreshToken ? refreshIndex(input.connectionId, input.expiresAt) : {}),
  };
}

export const healthy = (at: Date): ConnectionHealth => ({ lastSuccessAt: at.toISOString(), lastFailureAt: null, lastError: null, consecutiveFailures: 0 });

/**
 * Records a failed refresh and gives the lease back. `invalid_grant` (the grant is gone:
 * revoked, expired, or a rotated refresh token reused) or a missing refresh token marks
 * the connection `auth_failed`,
 * takes it out of the refresh index and records `connection.auth_failed`; anything else
 * backs the scheduled refresher off exponentially and leaves the connection as it is.
 */
async function fail(deps: TokenDeps, item: CredentialsItem, connection: ConnectionItem | undefined, owner: string, error: TokenError, at: Date) {
  const permanent = grantGone(error.code);
  const failures = (item.refreshFailures ?? 0) + 1;
  const retryAt = new Date(at.getTime() + Math.min(2 ** failures * 60_000, 60 * 60_000)).toISOString();
  const health: ConnectionHealth = {
    lastSuccessAt: connection?.health?.lastSuccessAt ?? null,
    lastFailureAt: at.toISOString(),
    lastError: `token refresh failed: ${error.code}`,
    consecutiveFailures: (connection?.health?.consecutiveFailures ?? 0) + 1,
  };
  logger.warn('token refresh failed', { tenantId: item.tenantId, connectionId: item.connectionId, code: error.code, retryable: error.retryable });
  await transact(deps, [
    {
      Update: {
        TableName: deps.table,
        Key: credentialsKey(item.tenantId, item.connectionId),
        UpdateExpression: `SET refreshError = :error, refreshFailures = :failures, refreshRetryAt = :retryAt REMOVE leaseOwner, leaseUntil${permanent ? ', gsi1pk, gsi1sk' : ''}`,
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':error': { code: error.code, at: at.toISOString() }, ':failures': failures, ':retryAt': retryAt, ':owner': owner },
      },
    },
    ...(connection
      ? [
          {
            Update: {
              TableName: deps.table,
              Key: connectionKey(item.tenantId, item.connectionId),
              UpdateExpression: permanent ? 'SET health = :health, #status = :failed' : 'SET health = :health',
              ConditionExpression: 'attribute_exists(pk)',
              ...(permanent ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
              ExpressionAttributeValues: { ':health': health, ...(permanent ? { ':failed': 'auth_failed' } : {}) },
            },
          },
        ]
      : []),
    ...(permanent && connection?.status !== 'auth_failed'
      ? [eventPut(deps.table, item.tenantId, 'connection.auth_failed', { connectionId: item.connectionId, reason: error.code }, at)]
      : []),
  ]);
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
 * the refresh index (one query per shard, not a scan), skipping those backing off.
 *
 * One connection's failure, whatever it is, stays that connection's: it is logged and
 * counted, and the refresh has recorded it with its backoff, so the run goes on with the
 * others. Only a failing index query fails the run, before any token request is sent.
 */
export async function refreshExpiring(deps: TokenDeps, options: { aheadMs?: number; concurrency?: number } = {}) {
  const at = now(deps);
  const until = new Date(at.getTime() + (options.aheadMs ?? 15 * 60_000)).toISOString();
  const due: CredentialsItem[] = [];
  for (let shard = 0; shard < refreshShards; shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await deps.db.query({
          TableName: deps.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :shard AND gsi1sk <= :until',
          ExpressionAttributeValues: { ':shard': `TOKENS#${shard}`, ':until': until },
          ExclusiveStartKey: start,
        });
      for (const raw of page.Items ?? []) {
        const item = strip<CredentialsItem>(raw);
        if (!item.refreshRetryAt || item.refreshRetryAt <= at.toISOString()) due.push(item);
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
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

