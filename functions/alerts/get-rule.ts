import { getAlertRuleContract } from '../../shared/alerts/contracts';
import { alertStoreDeps } from '../../shared/alerts/deps';
import { getAlertRule } from '../../shared/alerts/service';
import { http } from '../../shared/platform/http';
import { etag } from '../../shared/platform/versioning';

export const handler = http(getAlertRuleContract, async ({ principal, path }) => {
  const rule = await getAlertRule(alertStoreDeps(), principal.tenantId, path.id);
  return { status: 200, body: rule, headers: etag(rule.version) };
});
