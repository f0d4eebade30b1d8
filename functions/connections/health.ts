import { connectionHealthContract } from '../../shared/connections/contracts';
import { connectionHealth } from '../../shared/connections/service';
import { connectionStoreDeps } from '../../shared/connections/store-deps';
import { http } from '../../shared/platform/http';

export const handler = http(connectionHealthContract, async ({ principal, path }) => ({
  status: 200,
  body: await connectionHealth(connectionStoreDeps(), principal.tenantId, path.id),
}));
