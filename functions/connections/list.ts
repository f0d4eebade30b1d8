import { connectionDeps } from '../../shared/connections/deps';
import { listConnectionsContract } from '../../shared/connections/contracts';
import { listConnections } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';

export const handler = http(listConnectionsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listConnections(connectionDeps(), principal.tenantId, query),
}));
