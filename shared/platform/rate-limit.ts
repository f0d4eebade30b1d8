import { conditionFailedItem, isConditionFailed, type DynamoDb } from './dynamodb';
import * as z from 'zod';
import { dynamo } from './aws';
import { once, readConfig } from './config';
import { DomainError, problemType } from './errors';
import { logger } from './logger';
import { resourceEnv } from './resource-env';

/**
 * Each tenant's request budget: `RATE_LIMIT_PER_MINUTE` requests per fixed UTC minute,
 * counted in the `limits` table so every Lambda container shares one count.
 *
 * A container does not write once per request: it claims tokens in batches with one
 * atomic ADD and spends them locally, and claims the next batch in the background once
 * half of the current one is spent, so a steady stream of requests never waits for the
 * count. A batch is about a second of the container's own recent traffic: at least 10
 * tokens, at most a twentieth of the limit, and at most twice the last one. A busy
 * container thus writes the tenant's count about once a second, not once every ten
 * requests (DynamoDB throttles writes to one item beyond 1,000 a second).
 *
 * The count in DynamoDB never lets more than the limit through (a batch is only granted
 * up to what is left); the cost is that tokens a container claimed but did not spend
 * before the minute ends are lost (at most its last batch and half the one before: a
 * second or two of its traffic), so under heavy fan-out a tenant may see slightly fewer
 * than the limit, never more.
 */
export interface RateLimitDeps {
  db: DynamoDb;
  table: string;
  limitPerMinute: number;
  now?: () => number;
}

export interface Admission {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

interface Lease {
  window: number;
  /** Tokens this container claimed and has not spent. */
  spare: number;
  /** The shared count after this container's last claim. */
  used: number;
  /** The shared count said the budget is spent: refuse without asking again. */
  spent: boolean;
  /** A claim in flight; concurrent requests wait for it instead of claiming their own. */
  claiming?: Promise<void>;
  /** Set by the first claim; a new minute's lease carries it over from the last one. */
  pace?: Pace;
}

/** How fast this container has been spending the tenant's tokens. */
interface Pace {
  /** The size of the last claim, and when it was granted. */
  batch: number;
  grantedAt: number;
  /** Tokens spent since then. */
  spent: number;
}

const windowMs = 60_000;
/** A batch should last a container about this long at its recent pace. */
const batchLifetimeMs = 1000;

export function createRateLimiter(deps: RateLimitDeps) {
  const leases = new Map<string, Lease>();
  const maxBatch = Math.max(1, Math.floor(deps.limitPerMinute / 20));
  const minBatch = Math.min(10, maxBatch);
  const now = () => deps.now?.() ?? Date.now();

  /** About `batchLifetimeMs` of the pace since the last claim, growing at most twofold. */
  function nextBatch(pace: Pace | undefined): number {
    if (!pace) return minBatch;
    const wanted = Math.ceil((pace.spent * batchLifetimeMs) / Math.max(1, now() - pace.grantedAt));
    return Math.max(minBatch, Math.min(maxBatch, 2 * pace.batch, wanted));
  }

  async function claim(tenantId: string, lease: Lease) {
    const batch = nextBatch(lease.pace);
    const { Attributes } = await deps.db.update({
        TableName: deps.table,
        Key: { pk: `RATE#${tenantId}`, sk: String(lease.window) },
        UpdateExpression: 'ADD used :batch SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: { ':batch': batch, ':expires': (lease.window + 2) * 60 },
        ReturnValues: 'UPDATED_NEW',
      });
    const used = Number(Attributes?.used ?? batch);
    lease.used = Math.max(lease.used, used);
    // Only the part of the batch that fits under the limit is ours to spend; a short batch
    // means the budget is gone, so no further claims this minute.
    const granted = Math.max(0, Math.min(batch, deps.limitPerMinute - (used - batch)));
    lease.spare += granted;
    if (granted < batch) lease.spent = true;
    lease.pace = { batch, grantedAt: now(), spent: 0 };
  }

  function startClaim(tenantId: string, lease: Lease) {
    if (!lease.claiming) lease.claiming = claim(tenantId, lease).finally(() => (lease.claiming = undefined));
    return lease.claiming;
  }

  return async function admit(tenantId: string): Promise<Admission> {
    const at = now();
    const window = Math.floor(at / windowMs);
    const resetSeconds = Math.ceil(((window + 1) * windowMs - at) / 1000);
    let lease = leases.get(tenantId);
    if (!lease || lease.window !== window) {
      lease = { window, spare: 0, used: 0, spent: false, pace: lease?.pace };
      leases.set(tenantId, lease);
    }
    while (lease.spare === 0 && !lease.spent) await startClaim(tenantId, lease);
    if (lease.spent && lease.spare === 0) {
      throw new TooManyRequests(
        `this tenant's budget of ${deps.limitPerMinute} requests per minute is spent; retry in ${resetSeconds} s`,
        { limit: deps.limitPerMinute, remaining: 0, resetSeconds },
      );
    }
    lease.spare -= 1;
    // Spare tokens come only from a claim, which set the pace.
    const pace = lease.pace!;
    pace.spent += 1;
    if (lease.spare <= pace.batch / 2 && !lease.spent && !lease.claiming) {
      // Ahead of need; if it fails, the request that finds no spare claims again and sees why.
      startClaim(tenantId, lease).catch((error: Error) => logger.warn('could not claim rate-limit tokens ahead', error));
    }
    return {
      limit: deps.limitPerMinute,
      remaining: Math.max(0, deps.limitPerMinute - lease.used + lease.spare),
      resetSeconds,
    };
  };
}

/**
 * One unit of a budget of `limit` per window of `windowSeconds` (a webhook endpoint's
 * deliveries per second, a provider's requests per hour for one connection), counted in
 * the `limits` table so every container shares it: true when this window still had room.
 * A refused call writes nothing (the condition fails), so waiting callers never eat into
 * the next window.
 */
export async function admitInWindow(
  deps: { db: DynamoDb; table: string; now?: () => number },
  key: string,
  limit: number,
  windowSeconds: number,
): Promise<boolean> {
  const window = Math.floor((deps.now?.() ?? Date.now()) / 1000 / windowSeconds);
  try {
    await deps.db.update({
      TableName: deps.table,
      Key: { pk: `RATE#${key}`, sk: windowSeconds === 1 ? String(window) : `${windowSeconds}s#${window}` },
      UpdateExpression: 'ADD used :one SET expiresAt = if_not_exists(expiresAt, :expires)',
      ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
      ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': (window + 1) * windowSeconds + 120 },
    });
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/**
 * One unit of a budget of `limit` per fixed window of `windowSeconds` that the other side
 * can also pause (a provider's documented limit for one connection): undefined when
 * admitted, else the milliseconds to wait, for the window or the pause to end.
 *
 * Unlike `admitInWindow` (an item per window), the budget is one item that holds the
 * current window's count and the pause together, so the one conditional write that takes a
 * unit also reads the pause: being pausable costs no extra request.
 *
 *   pk RATE#<key>  sk BUDGET   window (number), used, pausedUntil (epoch ms), expiresAt
 *
 * The common case is one UpdateItem; the first request of a new window takes two (the
 * increment fails on the old window, then the reset starts the new one). A refused request
 * writes nothing.
 */
export async function admitInBudget(
  deps: { db: DynamoDb; table: string; now?: () => number },
  key: string,
  limit: number,
  windowSeconds: number,
): Promise<number | undefined> {
  const now = deps.now?.() ?? Date.now();
  const windowMs = windowSeconds * 1000;
  const window = Math.floor(now / windowMs);
  const untilWindowEnds = (window + 1) * windowMs - now;
  const address = { TableName: deps.table, Key: { pk: `RATE#${key}`, sk: 'BUDGET' } };
  const notPaused = '(attribute_not_exists(pausedUntil) OR pausedUntil <= :now)';
  // Two rounds at most: a reset that loses to another worker's reset counts in that window.
  for (let round = 0; round < 2; round++) {
    let held;
    try {
      await deps.db.update({
        ...address,
        UpdateExpression: 'SET used = used + :one',
        ConditionExpression: `#window = :window AND used < :limit AND ${notPaused}`,
        ExpressionAttributeNames: { '#window': 'window' },
        ExpressionAttributeValues: { ':one': 1, ':window': window, ':limit': limit, ':now': now },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return undefined;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      held = conditionFailedItem(error);
    }
    const paused = Number(held?.pausedUntil ?? 0);
    if (paused > now) return paused - now;
    // This window is spent (or a clock ahead of ours started a later one): wait for ours to end.
    if (held?.window !== undefined && Number(held.window) >= window) return untilWindowEnds;
    try {
      await deps.db.update({
        ...address,
        UpdateExpression: 'SET #window = :window, used = :one, expiresAt = :expires',
        ConditionExpression: `(attribute_not_exists(#window) OR #window < :window) AND ${notPaused}`,
        ExpressionAttributeNames: { '#window': 'window' },
        ExpressionAttributeValues: { ':one': 1, ':window': window, ':now': now, ':expires': Math.ceil((now + untilWindowEnds) / 1000) + 120 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return undefined;
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const raced = conditionFailedItem(error);
      const pausedNow = Number(raced?.pausedUntil ?? 0);
      if (pausedNow > now) return pausedNow - now;
      // Another worker started this window first: take a unit of it in the next round.
    }
  }
  return untilWindowEnds;
}

/**
 * How long a budget of `admitInBudget` is paused, without taking a unit: for a budget with
 * no documented limit, whose pause is all there is to read. 0 when not paused.
 */
export async function budgetPausedMs(deps: { db: DynamoDb; table: string; now?: () => number }, key: string): Promise<number> {
  const now = deps.now?.() ?? Date.now();
  const { Item } = await deps.db.get({ TableName: deps.table, Key: { pk: `RATE#${key}`, sk: 'BUDGET' }, ProjectionExpression: 'pausedUntil' });
  return Math.max(0, Number(Item?.pausedUntil ?? 0) - now);
}

/**
 * Pauses a budget of `admitInBudget` until `untilMs` (epoch ms): the other side said to slow
 * down. One conditional write that only ever moves the pause later, so two workers reporting
 * different waits keep the longer one. The item's expiry moves to whichever ends later, the
 * pause or the current window (`windowSeconds`), so neither is forgotten early.
 */
export async function pauseBudget(
  deps: { db: DynamoDb; table: string; now?: () => number },
  key: string,
  untilMs: number,
  windowSeconds: number,
): Promise<void> {
  const now = deps.now?.() ?? Date.now();
  const until = Math.ceil(untilMs);
  try {
    await deps.db.update({
      TableName: deps.table,
      Key: { pk: `RATE#${key}`, sk: 'BUDGET' },
      UpdateExpression: 'SET pausedUntil = :until, expiresAt = :expires',
      ConditionExpression: 'attribute_not_exists(pausedUntil) OR pausedUntil < :until',
      ExpressionAttributeValues: { ':until': until, ':expires': Math.ceil(Math.max(until, now + windowSeconds * 1000) / 1000) + 120 },
    });
  } catch (error) {
    // Paused until later already: that pause stands.
    if (!isConditionFailed(error)) throw error;
  }
}

/** One unit of a per-second budget (a webhook endpoint's deliveries). */
export const admitThisSecond = (deps: { db: DynamoDb; table: string; now?: () => number }, key: string, perSecond: number) => admitInWindow(deps, key, perSecond, 1);

export class TooManyRequests extends DomainError {
  constructor(detail: string, admission: Admission) {
    super(429, problemType('too-many-requests'), 'Too many requests', detail, undefined, {
      'retry-after': String(admission.resetSeconds),
      ...rateLimitHeaders(admission),
    });
  }
}

export function rateLimitHeaders(admission: Admission): Record<string, string> {
  return {
    'ratelimit-limit': String(admission.limit),
    'ratelimit-remaining': String(admission.remaining),
    'ratelimit-reset': String(admission.resetSeconds),
  };
}

/** The limiter for this container, configured from the environment. */
export const tenantRateLimiter = once(() => {
  const tableVar = resourceEnv.table('limits');
  const config = readConfig(
    'rate limits',
    z.object({
      [tableVar]: z.string().min(1),
      RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
    }),
  );
  return createRateLimiter({
    db: dynamo(),
    table: config[tableVar] as string,
    limitPerMinute: config.RATE_LIMIT_PER_MINUTE as number,
  });
});
