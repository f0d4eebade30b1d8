import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { listApiKeysContract } from '../../shared/tenancy/contracts';
import { listApiKeys } from '../../shared/tenancy/service';

export const handler = http(listApiKeysContract, async ({ principal, query }) => ({
  status: 200,
  body: await listApiKeys(mainTable(), principal.tenantId, query),
}));
