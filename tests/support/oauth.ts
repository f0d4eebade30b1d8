import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import type { AuthorizationServer } from '../fakes/authorization-server';
import type { TestRuntime } from './runtime';

/** A custom integration pointing at the test authorization server. */
export function testIntegration(server: AuthorizationServer, key = 'test-idp', overrides: Record<string, unknown> = {}) {
  return {
    key,
    name: 'Test IdP',
    category: 'developer-tools',
    description: 'oidc-provider on loopback, for the OAuth tests.',
    docsUrl: 'https://github.com/panva/node-oidc-provider',
    baseUrl: server.issuer,
    auth: [{ type: 'oauth2' }],
    oauth2: {
      issuer: server.issuer,
      authorizationUrl: `${server.issuer}/auth`,
      tokenUrl: `${server.issuer}/token`,
      revocation: { url: `${server.issuer}/token/revocation`, style: 'rfc7009' },
      scopeSeparator: ' ',
      defaultScopes: ['openid', 'offline_access'],
      pkce: 'required',
      clientAuth: 'basic',
      // oidc-provider issues refresh tokens only when consent was asked for.
      authorizationParams: { prompt: 'consent' },
      tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
    },
    // The userinfo endpoint: a protected resource that takes the access token.
    check: { method: 'GET', path: '/me' },
    ...overrides,
  };
}

/** Registers the integration and its OAuth client for the runtime's tenant. */
export async function registerTestIntegration(runtime: TestRuntime, server: AuthorizationServer, key = 'test-idp', overrides: Record<string, unknown> = {}) {
  const created = await runtime.call('/v1/integrations', { method: 'POST', json: testIntegration(server, key, overrides) });
  if (created.status !== 201) throw new Error(`integration: ${created.status} ${await created.text()}`);
  const client = await runtime.call(`/v1/integrations/${key}/oauth-client`, {
    method: 'PUT',
    json: { clientId: server.clientId, clientSecret: server.clientSecret },
  });
  if (client.status !== 200) throw new Error(`oauth client: ${client.status} ${await client.text()}`);
}

/**
 * A user at the authorization server's own pages, without a browser: follows redirects,
 * keeps cookies, signs in and consents (or cancels). Answers the URL the server finally
 * sends the user to: Junction's callback, with code and state or with an error.
 */
export function browserlessUser(server: AuthorizationServer) {
  const dispatcher = new Agent({ connect: { ca: readFileSync(server.caFile, 'utf8') } });
  const cookies = new Map<string, string>();
  const request = async (url: string, init: { method?: string; form?: Record<string, string> } = {}) => {
    const response = await undiciFetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      dispatcher,
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, ...value] = pair!.split('=');
      cookies.set(name!.trim(), value.join('='));
    }
    return response;
  };

  /** Follows redirects on the server until one leaves it; answers that URL, or the page reached. */
  const follow = async (start: string): Promise<{ leftTo?: string; page?: { url: string; html: string } }> => {
    let url = start;
    for (let hops = 0; hops < 10; hops++) {
      if (!url.startsWith(server.issuer)) return { leftTo: url };
      const response = await request(url);
      const location = response.headers.get('location');
      if (!location) return { page: { url, html: await response.text() } };
      url = new URL(location, url).toString();
    }
    throw new Error('too many redirects');
  };

  const submit = async (page: { url: string; html: string }, form: Record<string, string>) => {
    const action = /<form[^>]*action="([^"]+)"/.exec(page.html)?.[1];
    if (!action) throw new Error(`no form on ${page.url}`);
    const hidden = Object.fromEntries([...page.html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const response = await request(new URL(action, page.url).toString(), { method: 'POST', form: { ...hidden, ...form } });
    return follow(new URL(response.headers.get('location')!, page.url).toString());
  };

  return {
    /** Signs in as `login`, consents, and answers where the server sent the user. */
    async approve(authorizationUrl: string, login = 'alice'): Promise<string> {
      const atLogin = await follow(authorizationUrl);
      if (!atLogin.page) throw new Error(`expected the login page, went to ${atLogin.leftTo}`);
      const afterLogin = await submit(atLogin.page, { login, password: 'any' });
      if (afterLogin.leftTo) return afterLogin.leftTo;
      const afterConsent = await submit(afterLogin.page!, {});
      if (!afterConsent.leftTo) throw new Error(`expected a redirect back, stayed on ${afterConsent.page?.url}`);
      return afterConsent.leftTo;
    },
    /** Cancels at the login page: the server answers `access_denied`. */
    async deny(authorizationUrl: string): Promise<string> {
      const atLogin = await follow(authorizationUrl);
      const abort = /href="([^"]*\/abort)"/.exec(atLogin.page!.html)?.[1];
      if (!abort) throw new Error('no cancel link on the login page');
      const gone = await follow(new URL(abort, atLogin.page!.url).toString());
      return gone.leftTo!;
    },
  };
}

/** Follows Junction's callback (a gateway URL) and answers where it redirects. */
export async function callback(url: string): Promise<{ status: number; location: URL | null; body: string }> {
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location) : null, body: await response.text() };
}

/** Starts a connect session and answers it. */
export async function startSession(runtime: TestRuntime, body: Record<string, unknown>) {
  const response = await runtime.call('/v1/connect-sessions', { method: 'POST', json: { returnUrl: 'https://app.example.com/connected', ...body } });
  if (response.status !== 201) throw new Error(`connect session: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; authorizationUrl: string; expiresAt: string; status: string };
}
