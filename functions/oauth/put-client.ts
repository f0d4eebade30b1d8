import { putOAuthClient } from '../../shared/oauth/clients';
import { putOAuthClientContract } from '../../shared/oauth/contracts';
import { oauthDeps } from '../../shared/oauth/deps';
import { http } from '../../shared/platform/http';

export const handler = http(putOAuthClientContract, async ({ audit, path, body }) => ({
  status: 200,
  body: await putOAuthClient(oauthDeps(), audit, path.key, body),
}));
