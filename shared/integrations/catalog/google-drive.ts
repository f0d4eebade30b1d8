import type { IntegrationInput } from '../schema';

export const googleDrive: IntegrationInput = {
  key: 'google-drive',
  name: 'Google Drive',
  category: 'storage',
  description: 'Files, folders and permissions in Google Drive.',
  docsUrl: 'https://developers.google.com/workspace/drive/api/reference/rest/v3',
  baseUrl: 'https://www.googleapis.com/drive/v3',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // access_type=offline asks for a refresh token; prompt=consent gets one again on re-authorization.
    // Refresh tokens of apps in testing expire after 7 days; in production they last until revoked.
    issuer: 'https://accounts.google.com',
    authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    revocation: { url: 'https://oauth2.googleapis.com/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['https://www.googleapis.com/auth/drive.metadata.readonly'],
    pkce: 'supported',
    clientAuth: 'post',
    authorizationParams: { access_type: 'offline', prompt: 'consent' },
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/about?fields=user' },
  rateLimits: [
    {
      requests: 12000,
      perSeconds: 60,
      per: 'app-per-account',
      note: 'queries per minute per project; per user 12,000 per minute too',
    },
  ],
};
