import { overviewContract } from '../../shared/overview/contracts';
import { overviewDeps } from '../../shared/overview/deps';
import { readOverview } from '../../shared/overview/service';
import { http } from '../../shared/platform/http';

export const handler = http(overviewContract, async ({ principal }) => ({
  status: 200,
  body: await readOverview(overviewDeps(), principal.tenantId),
}));
