import { listAlertRulesContract } from '../../shared/alerts/contracts';
import { alertStoreDeps } from '../../shared/alerts/deps';
import { listAlertRules } from '../../shared/alerts/service';
import { http } from '../../shared/platform/http';

export const handler = http(listAlertRulesContract, async ({ principal, query }) => ({
  status: 200,
  body: await listAlertRules(alertStoreDeps(), principal.tenantId, query),
}));
