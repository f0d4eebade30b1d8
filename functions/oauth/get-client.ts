import { getOAuthClient } from '../../shared/oauth/clients';
import { getOAuthClientContract } from '../../shared/oauth/contracts';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(getOAuthClientContract, async ({ principal, path }) => ({
  status: 200,
  body: await getOAuthClient(mainTable(), principal.tenantId, path.key),
}));
