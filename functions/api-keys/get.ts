import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { getApiKeyContract } from '../../shared/tenancy/contracts';
import { getApiKey } from '../../shared/tenancy/service';

export const handler = http(getApiKeyContract, async ({ principal, path }) => ({
  status: 200,
  body: await getApiKey(mainTable(), principal.tenantId, path.id),
}));
