import { deleteOAuthClient } from '../../shared/oauth/clients';
import { deleteOAuthClientContract } from '../../shared/oauth/contracts';
import { oauthStoreDeps } from '../../shared/oauth/store-deps';
import { http } from '../../shared/platform/http';

export const handler = http(deleteOAuthClientContract, async ({ audit, path }) => {
  await deleteOAuthClient(oauthStoreDeps(), audit, path.key);
  return { status: 204 };
});
