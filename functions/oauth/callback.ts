import { oauthCallbackContract } from '../../shared/oauth/contracts';
import { oauthDeps } from '../../shared/oauth/deps';
import { handleCallback } from '../../shared/oauth/sessions';
import { http } from '../../shared/platform/http';

export const handler = http(oauthCallbackContract, async ({ query, requestId }) => ({
  status: 302,
  headers: { location: await handleCallback(oauthDeps(), query, requestId) },
}));
