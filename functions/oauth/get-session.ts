import { getConnectSessionContract } from '../../shared/oauth/contracts';
import { getConnectSession } from '../../shared/oauth/sessions';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(getConnectSessionContract, async ({ principal, path }) => ({
  status: 200,
  body: await getConnectSession(mainTable(), principal.tenantId, path.id),
}));
