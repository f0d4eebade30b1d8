import { acknowledgeAlertContract } from '../../shared/alerts/contracts';
import { alertStoreDeps } from '../../shared/alerts/deps';
import { acknowledgeAlert } from '../../shared/alerts/service';
import { http } from '../../shared/platform/http';

export const handler = http(acknowledgeAlertContract, async ({ audit, path }) => ({
  status: 200,
  body: await acknowledgeAlert(alertStoreDeps(), audit, path.id),
}));
