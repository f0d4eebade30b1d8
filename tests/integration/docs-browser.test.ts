import { chromium, type Browser, type Page } from 'playwright-core';
import { routesOf } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import { checkChromium, chromiumPath } from '../prerequisites';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * /docs in a real browser. The page is loaded once: Swagger UI parses 1.8 MiB of script
 * and the whole document before it shows anything, seconds on a busy machine, and each
 * test uses operations the others leave alone.
 */
let runtime: TestRuntime;
let browser: Browser;
let page: Page;
/** Every URL the page asked for, and every error it reported (a CSP refusal is one). */
const requested: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  const missing = checkChromium();
  if (missing) throw new Error(`this test drives Chromium: ${missing.found}; ${missing.install}`);
  runtime = await startTestRuntime();
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  page.setDefaultTimeout(45_000);
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${runtime.url}/docs`);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/**
 * Expands an operation, presses "Try it out" and "Execute"; answers the request the page
 * sent and the status and body the page shows.
 */
async function tryOut(operationId: string, path: string) {
  const operation = page.locator(`[id$="-${operationId}"]`);
  await operation.locator('.opblock-summary').click();
  await operation.locator('.try-out__btn').click();
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === path),
    operation.locator('.execute').click(),
  ]);
  const shown = operation.locator('.live-responses-table tr.response');
  return {
    request: { origin: new URL(response.url()).origin, headers: await response.request().allHeaders() },
    status: (await shown.locator('.response-col_status').textContent())!.trim(),
    body: (await shown.locator('.response-col_description .microlight').first().textContent())!,
  };
}

it('renders every declared operation from files Junction serves itself, within its CSP', async () => {
  const declared = routesOf(declaration).filter(([, r]) => r.route !== '$default');
  await page.locator('.opblock').nth(declared.length - 1).waitFor();

  const shown = await page.locator('.opblock-summary-operation-id').allTextContents();
  expect(shown.sort()).toEqual(declared.map(([name]) => name).sort());
  expect(requested.filter((url) => !url.startsWith(`${runtime.url}/`))).toEqual([]);
  expect(errors).toEqual([]);
}, 90_000);

it('sends a try-it request to the Junction serving the page and shows its answer', async () => {
  const tried = await tryOut('health', '/v1/health');
  expect(tried.request.origin).toBe(runtime.url);
  expect(tried.status).toBe('200');
  expect(JSON.parse(tried.body)).toMatchObject({ status: 'ok' });
  expect(errors).toEqual([]);
}, 90_000);

it('sends the API key given to Authorize with a try-it request', async () => {
  await page.locator('.auth-wrapper .authorize').click();
  await page.locator('.modal-ux input').first().fill(runtime.apiKey);
  await page.locator('.modal-ux .auth-btn-wrapper .authorize').click();
  await page.locator('.modal-ux .btn-done').click();

  const tried = await tryOut('listApiKeys', '/v1/api-keys');
  expect(tried.request.headers.authorization).toBe(`Bearer ${runtime.apiKey}`);
  expect(tried.status).toBe('200');
  expect(JSON.parse(tried.body)).toMatchObject({ data: expect.arrayContaining([expect.objectContaining({ name: 'local dev key' })]) });
  expect(errors).toEqual([]);
}, 90_000);
