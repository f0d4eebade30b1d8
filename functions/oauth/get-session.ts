import { getConnectSessionContract } from '../../shared/oauth/contracts';
import { oauthDeps } from '../../shared/oauth/deps';
import { getConnectSession } from '../../shared/oauth/sessions';
import { http } from '../../shared/platform/http';

export const handler = http(getConnectSessionContract, async ({ principal, path }) => ({
  status: 200,
  body: await getConnectSession(oauthDeps(), principal.tenantId, path.id),
}));
