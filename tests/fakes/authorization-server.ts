import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { generate } from 'selfsigned';

// oidc-provider warns, rightly, that its in-memory adapter, signing keys, built-in login
// pages and default revocation policy are for development: exactly what a fake on loopback
// runs. Its other warnings and notices still print.
const expected = /^oidc-provider (WARNING|NOTICE): .*(development-only|already parsed request body|revocation\.allowedPolicy)/;
for (const level of ['warn', 'info'] as const) {
  const write = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    if (!expected.test(String(args[0]))) write(...args);
  };
}

/**
 * A real OAuth 2.0 authorization server on loopback: `oidc-provider` over HTTPS (a
 * self-signed certificate whose PEM file the outbound client is told to trust), with one
 * confidential client for Junction. Authorization code with PKCE, refresh tokens (only
 * with `offline_access`, and only after `prompt=consent`, as oidc-provider insists),
 * refresh-token rotation, RFC 7009 revocation and its built-in login and consent pages.
 * It counts the token requests it gets and can be told to fail them.
 */
export interface AuthorizationServer {
  issuer: string;
  caFile: string;
  clientId: string;
  clientSecret: string;
  /** Token endpoint requests, by grant type. */
  tokenRequests: { authorization_code: number; refresh_token: number };
  revocations: number;
  /** Answers the next token requests with this instead (`500`, `html`, `garbage`, `hang`). */
  failNextToken: Array<'500' | 'html' | 'garbage' | 'hang'>;
  /** Grants only these scopes, whatever was asked (to test "fewer scopes than asked"). */
  grantOnly?: string[];
  /** Sets these fields in the next successful token responses (an absurd `expires_in`). */
  amendNextToken: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startAuthorizationServer(options: { redirectUri: string; accessTokenTtlSeconds?: number }): Promise<AuthorizationServer> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'junction-as-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pems.cert);

  const server: Server = createServer({ key: pems.private, cert: pems.cert });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'junction';
  const clientSecret = 'test-client-secret-0123456789abcdef';

  const state: AuthorizationServer = {
    issuer,
    caFile,
    clientId,
    clientSecret,
    tokenRequests: { authorization_code: 0, refresh_token: 0 },
    revocations: 0,
    failNextToken: [],
    amendNextToken: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], email: ['email'] },
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    rotateRefreshToken: true,
    ttl: { AccessToken: options.accessTokenTtlSeconds ?? 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 24 * 3600, Grant: 24 * 3600, Interaction: 600, Session: 3600 },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: `${sub}@example.com` }) }),
    loadExistingGrant: async (ctx) => {
      // Every flow asks for consent again, so refresh tokens are issued each time.
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
  });
  // Loopback HTTPS behind no proxy; keep oidc-provider's console quiet about dev interactions.
  provider.on('server_error', () => undefined);

  provider.use(async (ctx, next) => {
    if (ctx.path === '/token' && ctx.method === 'POST') {
      const grantType = new URLSearchParams(await readBody(ctx.req)).get('grant_type');
      if (grantType === 'authorization_code' || grantType === 'refresh_token') state.tokenRequests[grantType]++;
      const failure = state.failNextToken.shift();
      if (failure === '500') {
        ctx.status = 500;
        ctx.body = { error: 'server_error' };
        return;
      }
      if (failure === 'html') {
        ctx.status = 200;
        ctx.type = 'text/html';
        ctx.body = '<html><body>Maintenance</body></html>';
        return;
      }
      if (failure === 'garbage') {
        ctx.status = 200;
        ctx.type = 'application/json';
        ctx.body = '{"access_token": ';
        return;
      }
      if (failure === 'hang') {
        await new Promise((resolve) => setTimeout(resolve, 20_000));
        return;
      }
    }
    if (ctx.path === '/token/revocation' && ctx.method === 'POST') state.revocations++;
    await next();
    if (ctx.path === '/token' && state.grantOnly && ctx.status === 200 && typeof ctx.body === 'object' && ctx.body) {
      (ctx.body as Record<string, unknown>).scope = state.grantOnly.join(' ');
    }
    if (ctx.path === '/token' && ctx.status === 200 && typeof ctx.body === 'object' && ctx.body) {
      Object.assign(ctx.body, state.amendNextToken.shift());
    }
  });

  server.on('request', provider.callback());
  return state;
}

/**
 * Reads the form body to count grant types, then leaves it on `req.body`, where
 * oidc-provider looks for a body some middleware already read.
 */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  (req as IncomingMessage & { body?: string }).body = text;
  return text;
}

/** Calls the server's token or revocation endpoint as the client, outside Junction. */
export async function asClient(server: AuthorizationServer, path: '/token' | '/token/revocation', form: Record<string, string>) {
  const { Agent, fetch } = await import('undici');
  const { readFileSync } = await import('node:fs');
  const response = await fetch(`${server.issuer}${path}`, {
    method: 'POST',
    dispatcher: new Agent({ connect: { ca: readFileSync(server.caFile, 'utf8') } }),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${server.clientId}:${server.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.text()) };
}
