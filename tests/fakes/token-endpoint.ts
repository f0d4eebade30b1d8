import { createHash } from 'node:crypto';
import type { Send } from '../../shared/oauth/token-client';
import type { OutboundRequest, OutboundResponse } from '../../shared/platform/outbound';

/**
 * A provider's token endpoint in memory, speaking RFC 6749's wire format to Junction's
 * token client: form-encoded requests, JSON answers. It issues numbered tokens, checks a
 * code against the PKCE verifier of its challenge (RFC 7636 S256), and rotates refresh
 * tokens: each is good for one refresh, and one it did not issue is refused (invalid_grant). `answerNext` scripts the answers that
 * come before those (a failure, an error code); `hold` keeps the next answer back until
 * the test lets it go.
 */
export function fakeTokenEndpoint(options: { scope?: string; expiresIn?: number } = {}) {
  const requests: Array<Record<string, string> & { url: string }> = [];
  const scripted: OutboundResponse[] = [];
  const codes = new Map<string, string | undefined>();
  const refreshTokens = new Set<string>();
  let issued = 0;
  let held: Promise<void> | undefined;

  const json = (status: number, body: unknown): OutboundResponse => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    latencyMs: 5,
    attempts: 1,
  });

  const issue = () => {
    issued++;
    refreshTokens.add(`rt_${issued}`);
    return json(200, { access_token: `at_${issued}`, refresh_token: `rt_${issued}`, token_type: 'Bearer', expires_in: options.expiresIn ?? 3600, scope: options.scope ?? 'read' });
  };

  const send: Send = async (request: OutboundRequest) => {
    const form = Object.fromEntries(new URLSearchParams(request.body ?? ''));
    requests.push({ ...form, url: request.url });
    const gate = held;
    held = undefined;
    if (gate) await gate;
    const next = scripted.shift();
    if (next) return next;
    if (form.grant_type === 'authorization_code') {
      if (!codes.has(form.code!)) return json(400, { error: 'invalid_grant' });
      const challenge = codes.get(form.code!);
      codes.delete(form.code!);
      const verified = challenge === undefined || createHash('sha256').update(form.code_verifier ?? '').digest('base64url') === challenge;
      return verified ? issue() : json(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    }
    if (form.grant_type === 'refresh_token') return refreshTokens.delete(form.refresh_token ?? '') ? issue() : json(400, { error: 'invalid_grant' });
    return json(400, { error: 'unsupported_grant_type' });
  };

  return {
    send,
    requests,
    /** A code the user's consent produced for this PKCE challenge (from the authorization URL). */
    grantCode(code: string, challenge: string | undefined) {
      codes.set(code, challenge);
    },
    /** A refresh token a connection holds, as if issued earlier. */
    issuedRefreshToken(token: string) {
      refreshTokens.add(token);
    },
    answerNext(status: number, body: unknown) {
      scripted.push(json(status, body));
    },
    /** Holds the next answer back; call the function this returns to let it go. */
    hold(): () => void {
      let release!: () => void;
      held = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}
