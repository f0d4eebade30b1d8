import { listConnectionsContract } from '../../shared/connections/contracts';
import { listConnections } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(listConnectionsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listConnections(mainTable(), principal.tenantId, query),
}));
