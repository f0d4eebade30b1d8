import { connectionHealthContract } from '../../shared/connections/contracts';
import { connectionHealth } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(connectionHealthContract, async ({ principal, path }) => ({
  status: 200,
  body: await connectionHealth(mainTable(), principal.tenantId, path.id),
}));
