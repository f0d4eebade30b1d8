import { deleteAlertRuleContract } from '../../shared/alerts/contracts';
import { alertStoreDeps } from '../../shared/alerts/deps';
import { deleteAlertRule } from '../../shared/alerts/service';
import { http } from '../../shared/platform/http';

export const handler = http(deleteAlertRuleContract, async ({ audit, path }) => ({
  status: 200,
  body: await deleteAlertRule(alertStoreDeps(), audit, path.id),
}));
