import * as z from 'zod';
import { idPattern } from '../platform/ids';
import { DisplayName } from '../platform/text';
import { IntegrationKey } from '../integrations/vocabulary';
import { responseSchema } from '../platform/contract';

const printable = (max: number) => z.string().min(1).max(max).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
const Scope = printable(200);

/** Where the user lands after the provider: https, or http on loopback for development. */
export const ReturnUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
      return (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) && !url.username && !url.password && !url.hash;
    } catch {
      return false;
    }
  }, 'must be an absolute https URL (http only on localhost) without credentials or a fragment');

// ---- OAuth client settings: PUT/GET/DELETE /v1/integrations/{key}/oauth-client ----

export const OAuthClientInput = z
  .strictObject({
    clientId: printable(512),
    /** Write-only: sealed by the vault, never shown again. */
    clientSecret: printable(2048),
    /** Scopes asked for when a connect session names none; the integration's defaults otherwise. */
    scopes: z.array(Scope).max(100).optional(),
    /** The redirect URI registered at the provider, when it is not this API's own /v1/oauth/callback (a custom domain). */
    redirectUrl: z.url({ protocol: /^https$/ }).max(2000).optional(),
  })
  .meta({ id: 'OAuthClientInput' });
export type OAuthClientInput = z.infer<typeof OAuthClientInput>;

export const OAuthClientView = responseSchema(() =>
  z
    .object({
      integration: z.string(),
      clientId: z.string(),
      clientSecretSet: z.boolean(),
      scopes: z.array(z.string()).nullable(),
      redirectUrl: z.string().nullable(),
      updatedAt: z.iso.datetime(),
    })
    .meta({ id: 'OAuthClient' }),
);
export type OAuthClientView = z.infer<ReturnType<typeof OAuthClientView>>;

// ---- Connect sessions ----

export const sessionIdPattern = idPattern('cs');

export const ConnectSessionInput = z
  .strictObject({
    integration: IntegrationKey,
    returnUrl: ReturnUrl,
    /** The connection's params (a Shopify shop); those filled from the token response come later. */
    params: z.record(z.string().max(64), z.string().max(2048)).default({}),
    /** Scopes to ask for; the OAuth client's, or the integration's defaults, when absent. */
    scopes: z.array(Scope).max(100).optional(),
    /** Name of the connection the flow creates. */
    name: DisplayName.optional(),
    /** Re-authorize this connection instead of creating one (after `auth_failed`). */
    connectionId: z.string().regex(idPattern('conn'), 'not a connection id (conn_…)').optional(),
  })
  .meta({ id: 'ConnectSessionInput' });
export type ConnectSessionInput = z.infer<typeof ConnectSessionInput>;

export const sessionStatuses = ['pending', 'exchanging', 'completed', 'failed', 'expired'] as const;

export const ConnectSessionView = responseSchema(() =>
  z
    .object({
      id: z.string(),
      integration: z.string(),
      status: z.enum(sessionStatuses),
      scopes: z.array(z.string()),
      returnUrl: z.string(),
      /** Where to send the user: only in the answer that made the session (it carries the single-use state). */
      authorizationUrl: z.string().nullable(),
      expiresAt: z.iso.datetime(),
      connectionId: z.string().nullable(),
      /** Why the flow failed: an OAuth error code (`access_denied`, `invalid_grant`…) or ours. */
      error: z.string().nullable(),
      errorDescription: z.string().nullable(),
      createdAt: z.iso.datetime(),
    })
    .meta({ id: 'ConnectSession' }),
);
export type ConnectSessionView = z.infer<ReturnType<typeof ConnectSessionView>>;

export const ConnectSessionPath = z.strictObject({ id: z.string().regex(sessionIdPattern, 'not a connect session id (cs_…)') });

/** What the provider sends back to /v1/oauth/callback (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export const CallbackQuery = z.looseObject({
  state: z.string().max(512).optional(),
  code: z.string().max(4096).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
  iss: z.string().max(2000).optional(),
});
