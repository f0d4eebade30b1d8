import { http } from '../../shared/platform/http';
import { getSyncContract } from '../../shared/syncs/contracts';
import { syncReadDeps } from '../../shared/syncs/deps';
import { getSyncRun } from '../../shared/syncs/service';

export const handler = http(getSyncContract, async ({ principal, path }) => ({
  status: 200,
  body: await getSyncRun(syncReadDeps(), principal.tenantId, path.runId),
}));
