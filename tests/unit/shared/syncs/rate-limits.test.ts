import { maxWaitMs, pausedUntil, slowDownMs } from '../../../../shared/syncs/rate-limits';

/** Each provider's "slow down", as FACTS and its docs write it, and answers that are not one. */
const now = Date.parse('2026-12-07T12:00:00Z');
const answer = (status: number, headers: Record<string, string> = {}, body: unknown = {}) => ({ status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe("reading a provider's rate-limit answer", () => {
  it('waits for Retry-After on a 429, in seconds or as a date', () => {
    expect(slowDownMs(answer(429, { 'retry-after': '7' }), now)).toBe(7_000);
    expect(slowDownMs(answer(429, { 'retry-after': new Date(now + 30_000).toUTCString() }), now)).toBe(30_000);
  });

  it("waits for HubSpot's interval on its 429 without Retry-After", () => {
    const hubspot = answer(429, { 'x-hubspot-ratelimit-interval-milliseconds': '10000' }, { errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    expect(slowDownMs(hubspot, now)).toBe(10_000);
  });

  it("waits a minute on Stripe's 429, which documents no Retry-After", () => {
    expect(slowDownMs(answer(429, { 'stripe-rate-limited-reason': 'global-rate' }), now)).toBe(60_000);
  });

  it("waits for GitHub's x-ratelimit-reset on a 403 with none remaining, and for retry-after on its secondary limit", () => {
    expect(slowDownMs(answer(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 120) }), now)).toBe(120_000);
    expect(slowDownMs(answer(403, { 'retry-after': '60' }), now)).toBe(60_000);
  });

  it("waits the longest SQS delay on Salesforce's REQUEST_LIMIT_EXCEEDED, and never longer than that", () => {
    expect(slowDownMs(answer(403, {}, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]), now)).toBe(maxWaitMs);
    expect(slowDownMs(answer(429, { 'retry-after': '86400' }), now)).toBe(maxWaitMs);
  });

  it("waits for the points Shopify's bucket misses, at its restore rate", () => {
    const throttled = { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }], extensions: { cost: { requestedQueryCost: 252, throttleStatus: { currentlyAvailable: 52, restoreRate: 100 } } } };
    expect(slowDownMs(answer(200, {}, throttled), now)).toBe(2_000);
  });

  it('reads a plain 403, a 401, a 500 and a 200 as no rate limit', () => {
    expect(slowDownMs(answer(403, {}, { message: 'Resource not accessible by integration' }), now)).toBeUndefined();
    expect(slowDownMs(answer(401), now)).toBeUndefined();
    expect(slowDownMs(answer(500), now)).toBeUndefined();
    expect(slowDownMs(answer(200, {}, { data: { orders: { note: 'THROTTLED in a field value' } } }), now)).toBeUndefined();
  });
});

describe("until when a provider's answer pauses the connection's whole budget", () => {
  it('pauses for as long as a slow-down answer asks', () => {
    expect(pausedUntil(answer(429, { 'retry-after': '7' }), now)).toBe(now + 7_000);
    expect(pausedUntil(answer(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 120) }), now)).toBe(now + 120_000);
  });

  it('pauses until the reset when a successful answer says none remain, before any 429', () => {
    expect(pausedUntil(answer(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 300) }), now)).toBe(now + 300_000);
    // The IETF draft's reset is seconds from now.
    expect(pausedUntil(answer(200, { 'ratelimit-remaining': '0', 'ratelimit-reset': '42' }), now)).toBe(now + 42_000);
  });

  it('does not pause while some remain, nor when none remain but no reset says until when', () => {
    expect(pausedUntil(answer(200, { 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': String(now / 1000 + 300) }), now)).toBeUndefined();
    expect(pausedUntil(answer(200, { 'ratelimit-remaining': '0' }), now)).toBeUndefined();
    expect(pausedUntil(answer(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'soon' }), now)).toBeUndefined();
    // A reset already past says the budget is back.
    expect(pausedUntil(answer(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 - 5) }), now)).toBeUndefined();
    expect(pausedUntil(answer(200, {}, { data: [] }), now)).toBeUndefined();
  });

  it('pauses at most a day, whatever reset a provider names', () => {
    expect(pausedUntil(answer(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 7 * 86_400) }), now)).toBe(now + 86_400_000);
  });
});
