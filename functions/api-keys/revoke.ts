import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { revokeApiKeyContract } from '../../shared/tenancy/contracts';
import { revokeApiKey } from '../../shared/tenancy/service';

export const handler = http(revokeApiKeyContract, async ({ principal, path }) => ({
  status: 200,
  body: await revokeApiKey(mainTable(), principal.tenantId, path.id),
}));
