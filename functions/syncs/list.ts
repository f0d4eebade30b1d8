import { http } from '../../shared/platform/http';
import { listSyncsContract } from '../../shared/syncs/contracts';
import { syncReadDeps } from '../../shared/syncs/deps';
import { listSyncRuns } from '../../shared/syncs/service';

export const handler = http(listSyncsContract, async ({ principal, path, query }) => ({
  status: 200,
  body: await listSyncRuns(syncReadDeps(), principal.tenantId, path.id, query),
}));
