import { retryAfterMs } from '../platform/outbound';

/**
 * Whether an answer is the provider saying "slow down", each in its own dialect (FACTS),
 * and how long to wait: waiting for budget is not a failure, so the worker asks again
 * after this long rather than failing the run.
 *
 * - 429 anywhere: `Retry-After`, else `RateLimit-Reset` / `X-RateLimit-Reset`, else
 *   HubSpot's interval (`X-HubSpot-RateLimit-Interval-Milliseconds`), else a minute;
 * - GitHub: 403 with `x-ratelimit-remaining: 0` (wait for `x-ratelimit-reset`), or a 403
 *   with `retry-after` (its secondary limits);
 * - Salesforce: 403 `REQUEST_LIMIT_EXCEEDED` (a rolling 24-hour allowance: retry later);
 * - Shopify GraphQL: HTTP 200 with a `THROTTLED` error: the points missing at the bucket's
 *   restore rate.
 *
 * Answers at most SQS's longest delay (15 minutes); a longer wait is asked again then.
 */
export const maxWaitMs = 900_000;
const defaultWaitMs = 60_000;

export function slowDownMs(response: { status: number; headers: Record<string, string | string[] | undefined>; body: string }, now: number): number | undefined {
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const bounded = (ms: number) => Math.min(maxWaitMs, Math.max(1_000, Math.ceil(ms)));
  const resetAt = (value: string | undefined) => resetMs(value, now);
  const retryAfter = retryAfterMs(header('retry-after'), now);

  if (response.status === 429) {
    const interval = Number(header('x-hubspot-ratelimit-interval-milliseconds'));
    return bounded(retryAfter ?? resetAt(header('ratelimit-reset')) ?? resetAt(header('x-ratelimit-reset')) ?? (interval > 0 ? interval : defaultWaitMs));
  }
  if (response.status === 403) {
    if (header('x-ratelimit-remaining') === '0') return bounded(resetAt(header('x-ratelimit-reset')) ?? defaultWaitMs);
    if (retryAfter !== undefined) return bounded(retryAfter);
    if (response.body.includes('REQUEST_LIMIT_EXCEEDED')) return maxWaitMs;
    return undefined;
  }
  if (response.status === 200 && response.body.includes('THROTTLED')) {
    try {
      const body = JSON.parse(response.body) as { errors?: Array<{ extensions?: { code?: string } }>; extensions?: { cost?: { requestedQueryCost?: number; throttleStatus?: { currentlyAvailable?: number; restoreRate?: number } } } };
      if (!body.errors?.some((error) => error.extensions?.code === 'THROTTLED')) return undefined;
      const cost = body.extensions?.cost;
      const missing = (cost?.requestedQueryCost ?? 0) - (cost?.throttleStatus?.currentlyAvailable ?? 0);
      const rate = cost?.throttleStatus?.restoreRate ?? 0;
      return bounded(rate > 0 ? (Math.max(missing, 1) / rate) * 1000 : defaultWaitMs);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A reset header: an epoch in seconds (GitHub), or seconds from now (the IETF RateLimit draft); ms from `now`. */
function resetMs(value: string | undefined, now: number): number | undefined {
  if (!value || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 1_000_000_000 ? n * 1000 - now : n * 1000;
}

/** A pause of the connection's whole budget is kept at most a day (Salesforce's allowance rolls over 24 hours). */
const maxPauseMs = 86_400_000;

/**
 * Until when (epoch ms) every request of the connection should wait, or undefined: the
 * answer said to slow down (`slowDownMs`), or said the budget is spent before a 429 came
 * (`X-RateLimit-Remaining: 0` or `RateLimit-Remaining: 0` with its reset). The sync worker
 * and the proxy record it on the connection's budget (budget.ts), so the other workers of
 * the connection wait too instead of spending requests the provider will refuse.
 */
export function pausedUntil(response: { status: number; headers: Record<string, string | string[] | undefined>; body: string }, now: number): number | undefined {
  const wait = slowDownMs(response, now);
  if (wait !== undefined) return now + wait;
  const header = (name: string) => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  for (const prefix of ['x-ratelimit', 'ratelimit']) {
    if (header(`${prefix}-remaining`)?.trim() !== '0') continue;
    const reset = resetMs(header(`${prefix}-reset`)?.trim(), now);
    // Without a reset there is no telling when the budget returns: the next answer will say.
    if (reset !== undefined && reset > 0) return now + Math.min(reset, maxPauseMs);
  }
  return undefined;
}
