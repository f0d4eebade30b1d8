import { listErrorGroupsContract } from '../../shared/metrics/contracts';
import { metricsTable } from '../../shared/metrics/deps';
import { listErrorGroups } from '../../shared/metrics/service';
import { http } from '../../shared/platform/http';

export const handler = http(listErrorGroupsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listErrorGroups(metricsTable(), principal.tenantId, query),
}));
