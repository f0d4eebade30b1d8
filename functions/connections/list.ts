import { listConnectionsContract } from '../../shared/connections/contracts';
import { listConnections } from '../../shared/connections/service';
import { connectionStoreDeps } from '../../shared/connections/store-deps';
import { http } from '../../shared/platform/http';

export const handler = http(listConnectionsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listConnections(connectionStoreDeps(), principal.tenantId, query),
}));
