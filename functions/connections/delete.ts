import { connectionDeps } from '../../shared/connections/deps';
import { deleteConnectionContract } from '../../shared/connections/contracts';
import { deleteConnection } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';

export const handler = http(deleteConnectionContract, async ({ audit, path }) => ({
  status: 200,
  body: await deleteConnection(connectionDeps(), audit, path.id),
}));
