import { http } from '../../shared/platform/http';
import { startSyncContract } from '../../shared/syncs/contracts';
import { syncApiDeps } from '../../shared/syncs/deps';
import { startSyncRun } from '../../shared/syncs/service';

export const handler = http(startSyncContract, async ({ audit, path, body }) => ({
  status: 202,
  body: await startSyncRun(syncApiDeps(), audit, path.id, body),
}));
