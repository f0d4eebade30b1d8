import { deleteOAuthClient } from '../../shared/oauth/clients';
import { deleteOAuthClientContract } from '../../shared/oauth/contracts';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(deleteOAuthClientContract, async ({ audit, path }) => {
  await deleteOAuthClient(mainTable(), audit, path.key);
  return { status: 204 };
});
