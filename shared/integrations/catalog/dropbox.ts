import type { IntegrationInput } from '../schema';

export const dropbox: IntegrationInput = {
  key: 'dropbox',
  name: 'Dropbox',
  category: 'storage',
  description: 'Files and folders of a Dropbox account.',
  docsUrl: 'https://www.dropbox.com/developers/documentation/http/documentation',
  baseUrl: 'https://api.dropboxapi.com/2',
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // token_access_type=offline returns a refresh token; access tokens last 4 hours.
    authorizationUrl: 'https://www.dropbox.com/oauth2/authorize',
    tokenUrl: 'https://api.dropboxapi.com/oauth2/token',
    revocation: { url: 'https://api.dropboxapi.com/2/auth/token/revoke', style: 'bearer' },
    scopeSeparator: ' ',
    defaultScopes: ['account_info.read', 'files.metadata.read'],
    pkce: 'supported',
    clientAuth: 'basic',
    authorizationParams: { token_access_type: 'offline' },
    tokens: { accessTokenLifetimeSeconds: 14400, refreshTokens: 'static' },
  },
  check: { method: 'POST', path: '/users/get_current_account' },
};
