import type { Integration } from '../integrations/schema';
import type { DynamoDb } from '../platform/dynamodb';
import { admitInWindow } from '../platform/rate-limit';

/**
 * The provider's documented limits (the catalog's `rateLimits`), counted per connection in
 * the limits table and shared by every worker: a connection is one account or one token,
 * which is what most providers count against. Undefined when a request may go now, else
 * the milliseconds until the spent window opens again. The provider's own slow-down
 * answers (rate-limits.ts) still hold a page back when its real budget is tighter.
 */
export async function providerBudget(
  limits: { db: DynamoDb; table: string; now?: () => number },
  tenantId: string,
  connectionId: string,
  integration: Pick<Integration, 'rateLimits'>,
): Promise<number | undefined> {
  for (const [index, limit] of integration.rateLimits.entries()) {
    const now = limits.now?.() ?? Date.now();
    if (!(await admitInWindow(limits, `PROVIDER#${tenantId}#${connectionId}#${index}`, limit.requests, limit.perSeconds))) {
      return limit.perSeconds * 1000 - (now % (limit.perSeconds * 1000));
    }
  }
  return undefined;
}
