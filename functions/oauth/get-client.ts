import { getOAuthClient } from '../../shared/oauth/clients';
import { getOAuthClientContract } from '../../shared/oauth/contracts';
import { oauthStoreDeps } from '../../shared/oauth/store-deps';
import { http } from '../../shared/platform/http';

export const handler = http(getOAuthClientContract, async ({ principal, path }) => ({
  status: 200,
  body: await getOAuthClient(oauthStoreDeps(), principal.tenantId, path.key),
}));
