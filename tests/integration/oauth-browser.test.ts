import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { startAuthorizationServer, type AuthorizationServer } from '../fakes/authorization-server';
import { checkChromium, chromiumPath } from '../prerequisites';
import { registerTestIntegration, startSession } from '../support/oauth';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

// The Chromium that `npm test` checks for first (tests/prerequisites.ts).
const executablePath = chromiumPath();
process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';

let runtime: TestRuntime;
let server: AuthorizationServer;
let app: Server;
let appUrl: string;
let browser: Browser;

beforeAll(async () => {
  const missing = checkChromium();
  if (missing) throw new Error(`this test drives Chromium: ${missing.found}; ${missing.install}`);
  runtime = await startTestRuntime();
  server = await startAuthorizationServer({ redirectUri: `${runtime.url}/v1/oauth/callback` });
  process.env.OUTBOUND_CA_FILE = server.caFile;
  await registerTestIntegration(runtime, server, 'browser-idp');
  // The team's own app, where users land after connecting.
  app = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<h1 id="outcome">${url.searchParams.get('connection_id') ? 'Connected' : `Failed: ${url.searchParams.get('error')}`}</h1>`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/connected`;
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => app?.close(resolve));
  await server?.close();
  await runtime?.stop();
});

it('a user signs in and consents in a real browser, lands on the return URL with a connection that works', async () => {
  const session = await startSession(runtime, { integration: 'browser-idp', returnUrl: appUrl, name: 'Browser user' });
  // The authorization server's certificate is self-signed: only this browser context trusts it.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await page.goto(session.authorizationUrl);

  await page.fill('input[name="login"]', 'carol');
  await page.fill('input[name="password"]', 'anything');
  await page.click('button[type="submit"]');
  // The consent page: approve.
  await page.waitForSelector('button[type="submit"]');
  await page.click('button[type="submit"]');
  await page.waitForURL((url) => url.toString().startsWith(appUrl));

  expect(await page.textContent('#outcome')).toBe('Connected');
  const landed = new URL(page.url());
  const connectionId = landed.searchParams.get('connection_id')!;
  expect(landed.searchParams.get('session_id')).toBe(session.id);
  await context.close();

  const connection = await (await runtime.call(`/v1/connections/${connectionId}`)).json();
  expect(connection).toMatchObject({ integration: 'browser-idp', name: 'Browser user', status: 'active' });
  // An authenticated call to a protected resource with the stored token.
  expect(await (await runtime.call(`/v1/connections/${connectionId}/test`, { method: 'POST' })).json()).toMatchObject({ ok: true, status: 200 });
}, 60_000);
