import { connectionDeps } from '../../shared/connections/deps';
import { connectionHealthContract } from '../../shared/connections/contracts';
import { connectionHealth } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';

export const handler = http(connectionHealthContract, async ({ principal, path }) => ({
  status: 200,
  body: await connectionHealth(connectionDeps(), principal.tenantId, path.id),
}));
