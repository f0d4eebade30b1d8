import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { createApiKeyContract } from '../../shared/tenancy/contracts';
import { createApiKey } from '../../shared/tenancy/service';

export const handler = http(createApiKeyContract, async ({ audit, body }) => ({
  status: 201,
  body: await createApiKey(mainTable(), audit, body, undefined, audit.keyId),
}));
