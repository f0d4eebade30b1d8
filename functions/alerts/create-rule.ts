import { createAlertRuleContract } from '../../shared/alerts/contracts';
import { alertApiDeps } from '../../shared/alerts/deps';
import { createAlertRule } from '../../shared/alerts/service';
import { http } from '../../shared/platform/http';
import { etag } from '../../shared/platform/versioning';

export const handler = http(createAlertRuleContract, async ({ audit, body }) => {
  const rule = await createAlertRule(alertApiDeps(), audit, body);
  return { status: 201, body: rule, headers: { ...etag(rule.version), location: `/v1/alert-rules/${rule.id}` } };
});
