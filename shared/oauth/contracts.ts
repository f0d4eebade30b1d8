import { defineContract } from '../platform/contract';
import { IntegrationPath } from '../integrations/vocabulary';
import { CallbackQuery, ConnectSessionInput, ConnectSessionPath, ConnectSessionView, OAuthClientInput, OAuthClientView } from './schema';

const tag = 'OAuth';

export const putOAuthClientContract = defineContract({
  summary: "Set the tenant's OAuth app for an integration (the client secret is write-only)",
  tag,
  scope: 'admin',
  audit: 'oauth_client.put',
  path: IntegrationPath,
  body: OAuthClientInput,
  responses: { 200: { description: 'The OAuth client, without its secret', schema: OAuthClientView } },
});

export const getOAuthClientContract = defineContract({
  summary: "Show the tenant's OAuth app for an integration (never its secret)",
  tag,
  scope: 'read',
  path: IntegrationPath,
  responses: { 200: { description: 'The OAuth client', schema: OAuthClientView } },
});

export const deleteOAuthClientContract = defineContract({
  summary: "Remove the tenant's OAuth app for an integration",
  tag,
  scope: 'admin',
  audit: 'oauth_client.delete',
  path: IntegrationPath,
  responses: { 204: { description: 'Removed' } },
});

export const createConnectSessionContract = defineContract({
  summary: 'Start an OAuth flow: answers the authorization URL to send the user to (state and PKCE kept server-side)',
  tag,
  scope: 'write',
  audit: 'connect_session.create',
  // The authorization URL carries the session's single-use state: shown once, never stored.
  secretResponse: true,
  body: ConnectSessionInput,
  responses: { 201: { description: 'The session, with its authorization URL', schema: ConnectSessionView } },
});

export const getConnectSessionContract = defineContract({
  summary: "Show a connect session: pending, completed (with the connection) or failed (with why)",
  tag,
  scope: 'read',
  path: ConnectSessionPath,
  responses: { 200: { description: 'The session', schema: ConnectSessionView } },
});

export const oauthCallbackContract = defineContract({
  summary: "The provider's redirect after the user's decision; redirects on to the session's return URL",
  tag,
  scope: null,
  query: CallbackQuery,
  responses: {
    302: { description: 'To the return URL, with connection_id and session_id, or with error and error_description' },
    400: { description: 'The state is missing or unknown: there is no return URL to trust' },
  },
});

