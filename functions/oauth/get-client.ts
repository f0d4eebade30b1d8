import { getOAuthClient } from '../../shared/oauth/clients';
import { getOAuthClientContract } from '../../shared/oauth/contracts';
import { oauthDeps } from '../../shared/oauth/deps';
import { http } from '../../shared/platform/http';

export const handler = http(getOAuthClientContract, async ({ principal, path }) => ({
  status: 200,
  body: await getOAuthClient(oauthDeps(), principal.tenantId, path.key),
}));
