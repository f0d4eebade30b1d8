import { http } from '../../shared/platform/http';
import { cancelSyncContract } from '../../shared/syncs/contracts';
import { syncReadDeps } from '../../shared/syncs/deps';
import { cancelSyncRun } from '../../shared/syncs/service';

export const handler = http(cancelSyncContract, async ({ audit, path }) => ({
  status: 200,
  body: await cancelSyncRun(syncReadDeps(), audit, path.runId),
}));
