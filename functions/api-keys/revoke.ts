import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { revokeApiKeyContract } from '../../shared/tenancy/contracts';
import { revokeApiKey } from '../../shared/tenancy/service';

export const handler = http(revokeApiKeyContract, async ({ audit, path }) => ({
  status: 200,
  body: await revokeApiKey(mainTable(), audit, path.id),
}));
