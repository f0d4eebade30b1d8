import type { Integration } from '../integrations/schema';
import type { DynamoDb } from '../platform/dynamodb';
import { admitInBudget, budgetPausedMs, pauseBudget } from '../platform/rate-limit';

/**
 * The provider's documented limits (the catalog's `rateLimits`), counted per connection in
 * the limits table and shared by every worker and proxied request: a connection is one
 * account or one token, which is what most providers count against. Undefined when a
 * request may go now, else the milliseconds until it may: the spent window opens again,
 * or the pause the provider asked for ends (`slowProviderBudget`).
 *
 * The pause lives on the first limit's item, which the first admit writes anyway, so a
 * connection's pause costs its pages no extra request; an integration without documented
 * limits has only the pause to read (one GetItem).
 */
type Limits = { db: DynamoDb; table: string; now?: () => number };

const budgetKey = (tenantId: string, connectionId: string, index: number) => `PROVIDER#${tenantId}#${connectionId}#${index}`;

export async function providerBudget(limits: Limits, tenantId: string, connectionId: string, integration: Pick<Integration, 'rateLimits'>): Promise<number | undefined> {
  if (integration.rateLimits.length === 0) {
    const paused = await budgetPausedMs(limits, budgetKey(tenantId, connectionId, 0));
    return paused > 0 ? paused : undefined;
  }
  for (const [index, limit] of integration.rateLimits.entries()) {
    const wait = await admitInBudget(limits, budgetKey(tenantId, connectionId, index), limit.requests, limit.perSeconds);
    if (wait !== undefined) return wait;
  }
  return undefined;
}

/**
 * The provider said to slow down (rate-limits.ts, `pausedUntil`): no request of this
 * connection goes until `untilMs`, from any worker or the proxy. Only ever moves later.
 */
export async function slowProviderBudget(limits: Limits, tenantId: string, connectionId: string, integration: Pick<Integration, 'rateLimits'>, untilMs: number): Promise<void> {
  await pauseBudget(limits, budgetKey(tenantId, connectionId, 0), untilMs, integration.rateLimits[0]?.perSeconds ?? 0);
}
