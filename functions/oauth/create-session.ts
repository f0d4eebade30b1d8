import { createConnectSessionContract } from '../../shared/oauth/contracts';
import { oauthDeps } from '../../shared/oauth/deps';
import { createConnectSession } from '../../shared/oauth/sessions';
import { http } from '../../shared/platform/http';

export const handler = http(createConnectSessionContract, async ({ audit, body, headers }) => {
  // This API's own callback, as the caller reached it (API Gateway sets x-forwarded-proto).
  const callbackUrl = `${headers['x-forwarded-proto'] ?? 'https'}://${headers.host}/v1/oauth/callback`;
  const session = await createConnectSession(oauthDeps(), audit, body, callbackUrl);
  return { status: 201, body: session, headers: { location: `/v1/connect-sessions/${session.id}` } };
});
