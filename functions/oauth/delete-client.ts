import { deleteOAuthClient } from '../../shared/oauth/clients';
import { deleteOAuthClientContract } from '../../shared/oauth/contracts';
import { oauthDeps } from '../../shared/oauth/deps';
import { http } from '../../shared/platform/http';

export const handler = http(deleteOAuthClientContract, async ({ audit, path }) => {
  await deleteOAuthClient(oauthDeps(), audit, path.key);
  return { status: 204 };
});
