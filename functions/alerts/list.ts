import { listAlertsContract } from '../../shared/alerts/contracts';
import { alertStoreDeps } from '../../shared/alerts/deps';
import { listAlerts } from '../../shared/alerts/service';
import { http } from '../../shared/platform/http';

export const handler = http(listAlertsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listAlerts(alertStoreDeps(), principal.tenantId, query),
}));
