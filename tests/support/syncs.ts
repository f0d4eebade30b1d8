import { connectionStore } from '../../shared/connections/store';
import { findTenantIntegration, tenantIntegrations } from '../../shared/integrations/tenant-catalog';
import { operatorAudit } from '../../shared/platform/audit';
import { syncRunStore } from '../../shared/syncs/run-store';
import type { SyncRunInput } from '../../shared/syncs/schema';
import { startSyncRun } from '../../shared/syncs/service';
import { localDynamoDb } from './dynamodb';
import type { TestRuntime } from './runtime';

/**
 * A sync run that stays queued: started as the route starts one, but with no message on
 * the queue, so no worker takes it. Route-wide tests aim at it and find it unchanged.
 */
export async function queuedRun(runtime: TestRuntime, tenantId: string, connectionId: string, streams: NonNullable<SyncRunInput['streams']>) {
  const main = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  const source = tenantIntegrations(main);
  const deps = {
    runs: syncRunStore(main),
    connections: connectionStore(main),
    integrations: { find: (tenant: string, key: string) => findTenantIntegration(source, tenant, key) },
    enqueue: async () => undefined,
  };
  return startSyncRun(deps, operatorAudit(tenantId, 'test', 'sync.start'), connectionId, { streams, mode: 'incremental' });
}
