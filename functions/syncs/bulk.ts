import { http } from '../../shared/platform/http';
import { bulkSyncContract } from '../../shared/syncs/contracts';
import { syncApiDeps } from '../../shared/syncs/deps';
import { bulkSyncAction } from '../../shared/syncs/service';

export const handler = http(bulkSyncContract, async ({ audit, body }) => ({
  status: 200,
  body: await bulkSyncAction(syncApiDeps(), audit, body),
}));
