import { connectionDeps } from '../../shared/connections/deps';
import { testConnectionContract } from '../../shared/connections/contracts';
import { testConnection } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';

export const handler = http(testConnectionContract, async ({ audit, path }) => ({
  status: 200,
  body: await testConnection(connectionDeps(), audit, path.id),
}));
