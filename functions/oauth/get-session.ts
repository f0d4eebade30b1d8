import { getConnectSessionContract } from '../../shared/oauth/contracts';
import { getConnectSession } from '../../shared/oauth/sessions';
import { oauthStoreDeps } from '../../shared/oauth/store-deps';
import { http } from '../../shared/platform/http';

export const handler = http(getConnectSessionContract, async ({ principal, path }) => ({
  status: 200,
  body: await getConnectSession(oauthStoreDeps(), principal.tenantId, path.id),
}));
