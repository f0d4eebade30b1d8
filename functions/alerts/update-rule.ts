import { updateAlertRuleContract } from '../../shared/alerts/contracts';
import { alertApiDeps } from '../../shared/alerts/deps';
import { updateAlertRule } from '../../shared/alerts/service';
import { http } from '../../shared/platform/http';
import { etag, versionFromIfMatch } from '../../shared/platform/versioning';

export const handler = http(updateAlertRuleContract, async ({ audit, path, body, headers }) => {
  const rule = await updateAlertRule(alertApiDeps(), audit, path.id, versionFromIfMatch(headers), body);
  return { status: 200, body: rule, headers: etag(rule.version) };
});
