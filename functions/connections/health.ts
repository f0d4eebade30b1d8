import { connectionHealthContract } from '../../shared/connections/contracts';
import { connectionHealthDeps } from '../../shared/connections/health-deps';
import { connectionHealth } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';

export const handler = http(connectionHealthContract, async ({ principal, path }) => ({
  status: 200,
  body: await connectionHealth(connectionHealthDeps(), principal.tenantId, path.id),
}));
