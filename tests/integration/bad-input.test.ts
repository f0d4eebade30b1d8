import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { routesOf } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import type { Contract } from '../../shared/platform/contract';
import { openApiPath } from '../../shared/platform/openapi';
import { Problem } from '../../shared/platform/problem';
import { customIntegration, goodBodies, secretsIn } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { startFakeHttpbin } from '../fakes/httpbin';
import type { FakeProvider } from '../fakes/provider';
import { trust, type TlsFront } from '../fakes/tls';
import { frontOf, proxiedConnection } from '../support/proxied';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github';
import { registeringConnection } from '../support/registering';
import { localDynamoDb } from '../support/dynamodb';
import { plantFiringAlert } from '../support/alerts';

/**
 * The promise every route makes, new ones included: input of any shape gets a 4xx
 * problem that says what was wrong, never a 5xx. Each declared route is sent odd path
 * parameters and odd query strings; a route that takes a body is sent broken documents,
 * and a good body with each of its values, one at a time, replaced by something odd (a
 * lone surrogate, a control character, 20,000 characters, a value of the wrong kind).
 * Paths aim at real resources, so what passes validation goes on into the handler and
 * to DynamoDB, where a value the schemas let through would answer 500. Each status
 * answered must be one the OpenAPI document lists for that operation, each body must be
 * exactly what the contract's response schema describes (no field it does not name), and
 * neither the answers nor the log lines may repeat a secret that a body carried.
 */
let runtime: TestRuntime;
let connectionId: string;
let webhookEndpointId: string;
/** An alert rule, and a firing alert of it. */
let alertRuleId: string;
let alertId: string;
/** A 10-byte upload, without part checksums, that stays active. */
let uploadId: string;
/** The event the connection's creation recorded. */
let eventId: string;
/** A connection to httpbin's fake behind TLS, for the proxy routes, and what it runs on. */
let proxiedId: string;
let httpbin: FakeProvider;
let front: TlsFront;
/** A connection to the fake GitHub behind TLS that makes webhook subscriptions, and one it made. */
let registeringId: string;
let subscriptionId: string;
let gitHub: FakeGitHub;
let gitHubFront: TlsFront;
/** Each operation's documented statuses, from the OpenAPI document. */
let documented: Record<string, Record<string, { responses: Record<string, unknown> }>>;

/** The resource each `{id}`/`{key}` route is aimed at. */
const aimAt = (pattern: string) =>
  pattern
    // The proxy, at a provider that answers every request (odd queries are the provider's to judge).
    .replace('/v1/connections/{id}/proxy/{path+}', `/v1/connections/${proxiedId}/proxy/anything/odd`)
    .replace('/v1/connections/{id}/webhook-subscriptions/{subscriptionId}', `/v1/connections/${registeringId}/webhook-subscriptions/${subscriptionId}`)
    .replace('/v1/connections/{id}/webhook-subscriptions', `/v1/connections/${registeringId}/webhook-subscriptions`)
    .replace('/v1/events/{id}', `/v1/events/${eventId}`)
    .replace('/v1/webhook-endpoints/{id}', `/v1/webhook-endpoints/${webhookEndpointId}`)
    .replace('/v1/alert-rules/{id}', `/v1/alert-rules/${alertRuleId}`)
    .replace('/v1/alerts/{id}', `/v1/alerts/${alertId}`)
    .replace('/v1/uploads/{id}', `/v1/uploads/${uploadId}`)
    .replace('{partNumber}', '1')
    // A provider's webhook to the real (Stripe) connection: whatever arrives, 4xx.
    .replace('/v1/hooks/{integration}/{connectionId}', `/v1/hooks/stripe/${connectionId}`)
    .replace('{id}', connectionId)
    .replace('/v1/integrations/{key}/oauth-client', '/v1/integrations/hubspot/oauth-client')
    .replace('{key}', 'odd-input')
    .replace('{stream}', 'customers')
    .replace('{runId}', 'sync_01JCZ8X7Q4B3N5M6P7R8S9T0V1')
    // No such inbound event: the payload route looks it up and answers 404.
    .replace('{eventId}', 'inb_01JCZ8X7Q4B3N5M6P7R8S9T0V1');

beforeAll(async () => {
  // Thousands of requests from one tenant: the budget would answer 429 before the handlers.
  process.env.RATE_LIMIT_PER_MINUTE = '1000000';
  runtime = await startTestRuntime();
  const setUp = [
    await runtime.call('/v1/integrations', { method: 'POST', json: customIntegration('odd-input') }),
    await runtime.call('/v1/integrations/hubspot/oauth-client', { method: 'PUT', json: goodBodies['PUT /v1/integrations/{key}/oauth-client']!() }),
    await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!() }),
  ];
  expect(setUp.map((response) => response.status)).toEqual([201, 200, 201]);
  connectionId = ((await setUp[2]!.json()) as { id: string }).id;
  const endpoint = await runtime.call('/v1/webhook-endpoints', { method: 'POST', json: goodBodies['POST /v1/webhook-endpoints']!() });
  expect(endpoint.status).toBe(201);
  webhookEndpointId = ((await endpoint.json()) as { id: string }).id;
  const rule = await runtime.call('/v1/alert-rules', { method: 'POST', json: goodBodies['POST /v1/alert-rules']!() });
  expect(rule.status).toBe(201);
  alertRuleId = ((await rule.json()) as { id: string }).id;
  alertId = await plantFiringAlert({ db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! }, 'local', alertRuleId);
  const upload = await runtime.call('/v1/uploads', { method: 'POST', json: { filename: 'odd.bin', size: 10, contentType: 'application/octet-stream' } });
  expect(upload.status).toBe(201);
  uploadId = ((await upload.json()) as { id: string }).id;
  eventId = ((await (await runtime.call('/v1/events?limit=1')).json()) as { data: Array<{ id: string }> }).data[0]!.id;
  documented = (await (await runtime.call('/openapi.json', { key: null })).json()).paths;
  httpbin = await startFakeHttpbin();
  front = await frontOf(httpbin);
  gitHub = await startFakeGitHub();
  gitHubFront = await frontOf(gitHub);
  trust([front.caPem, gitHubFront.caPem]);
  proxiedId = await proxiedConnection(runtime, front, httpbin, 'proxied-odd-input');
  registeringId = await registeringConnection(runtime, gitHubFront, gitHub, 'registering-odd-input');
  const subscription = await runtime.call(`/v1/connections/${registeringId}/webhook-subscriptions`, { method: 'POST', json: { events: ['star'], params: { owner: 'acme', repo: 'api' } } });
  expect(subscription.status).toBe(201);
  subscriptionId = ((await subscription.json()) as { id: string }).id;
});
afterAll(async () => {
  await Promise.all([front.close(), httpbin.close(), gitHubFront.close(), gitHub.close()]);
  await runtime.stop();
});

const oddIds = ['nope', '%ZZ', '%00', '%2F..%2F', 'a'.repeat(2000), '%F0%9F%92%A9', '%ED%A0%80', '__proto__'];
const oddQueries = [
  '?limit=-1',
  '?limit=abc',
  '?limit=1e9',
  '?limit=1&limit=2',
  '?cursor=garbage',
  `?cursor=${Buffer.from('{"pk":"TENANT#someone-else","sk":"APIKEY#x"}').toString('base64url')}`,
  // The caller's own partition, but not a key any list returned: DynamoDB would refuse each.
  `?cursor=${Buffer.from('{"pk":"TENANT#local"}').toString('base64url')}`,
  `?cursor=${Buffer.from('{"pk":"TENANT#local","sk":"~outside every list"}').toString('base64url')}`,
  `?cursor=${Buffer.from('{"pk":"TENANT#local","sk":"CONN#x","gsi1pk":"x"}').toString('base64url')}`,
  `?cursor=${'A'.repeat(4000)}`,
  '?status=%ZZ',
  '?integration=%00',
  '?state=x&code=y',
  '?__proto__=1',
];
const oddDocuments = ['{"name":', '[]', 'null', '"text"', '12', '{"a":'.repeat(2000) + '1' + '}'.repeat(2000), '{"__proto__":{"admin":true}}'];
const oddValues: unknown[] = [null, 0, -1, 1e308, true, '', ' ', '\ud800', '\u0000', 'x'.repeat(20_000), '💩', [], [{}], {}];

const goodBody = 'the good body';

interface Attempt {
  what: string;
  path: string;
  body?: string;
  contentType?: string;
}

/** Every way to replace one value of `body` (at any depth) with an odd one. */
function oddVariants(body: unknown, at: string[] = []): Array<{ where: string; body: unknown }> {
  const variants = at.length === 0 ? [] : oddValues.map((value) => ({ where: at.join('.'), value }));
  const children = body && typeof body === 'object' ? Object.entries(body) : [];
  const replaced = variants.map(({ where, value }) => ({ where: `${where} = ${JSON.stringify(value).slice(0, 12)}`, body: value }));
  const nested = children.flatMap(([key, child]) =>
    oddVariants(child, [...at, key]).map(({ where, body: childBody }) => ({
      where,
      body: Array.isArray(body)
        ? body.map((item, i) => (String(i) === key ? childBody : item))
        : { ...(body as object), [key]: childBody },
    })),
  );
  return [...replaced, ...nested];
}

function attemptsFor(routeKey: string): Attempt[] {
  const [method, pattern] = routeKey.split(' ') as [string, string];
  const good = goodBodies[routeKey];
  const emptyBody = method === 'GET' || method === 'DELETE' ? {} : { body: '{}' };
  const aimed = aimAt(pattern);
  const oddPaths: Attempt[] = [
    ...oddIds.map((id) => ({ what: `path ${id.slice(0, 20)}`, path: pattern.replace(/\{\w+\}/g, id), ...emptyBody })),
    ...oddQueries.map((query) => ({ what: `query ${query.slice(0, 40)}`, path: `${aimed}${query}`, ...emptyBody })),
  ];
  if (!good) return oddPaths;
  // The good body itself must succeed, or every variant would fail for another reason. It
  // goes first: a variant that is valid too may take what it needs (a sync run's streams).
  const attempts: Attempt[] = [{ what: goodBody, path: aimed, body: JSON.stringify(good()) }, ...oddPaths];
  attempts.push(...oddDocuments.map((body) => ({ what: `document ${body.slice(0, 30)}`, path: aimed, body })));
  for (const contentType of ['text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded']) {
    attempts.push({ what: `content-type ${contentType}`, path: aimed, body: JSON.stringify(good()), contentType });
  }
  for (const { where, body } of oddVariants(good())) attempts.push({ what: where, path: aimed, body: JSON.stringify(body) });
  return attempts;
}

/** What `text`, answered with `status`, breaks in the contract's response schema, if anything. */
function breachOf(contract: Contract, status: number, type: string, text: string): string | undefined {
  if (!type.includes('json')) return undefined;
  const schema = contract.responses[status]?.schema ?? (status >= 400 ? Problem : undefined);
  if (!schema) return `a ${status} body the contract does not describe`;
  const body: unknown = JSON.parse(text);
  const parsed = schema().safeParse(body);
  if (!parsed.success) return `a ${status} body off its schema: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
  // Parsing drops what the schema does not name: a difference is an undocumented field.
  if (!isDeepStrictEqual(parsed.data, body)) return `a ${status} body with fields its schema does not name`;
  return undefined;
}

/** The version to send in If-Match: what a GET of the same resource answers now. */
async function currentVersion(path: string): Promise<string> {
  if (!path.startsWith('/v1/connections/') && !path.startsWith('/v1/integrations/') && !path.startsWith('/v1/webhook-endpoints/') && !path.startsWith('/v1/alert-rules/')) return '"1"';
  return (await runtime.call(path.replace(/\/oauth-client$/, ''))).headers.get('etag') ?? '"1"';
}

describe('bad input to every declared route', () => {
  // Deletes last: some of their odd queries aim at the real resources, and delete them.
  const routes = routesOf(declaration)
    .filter(([, route]) => route.route !== '$default')
    .sort(([, a], [, b]) => Number(a.route.startsWith('DELETE')) - Number(b.route.startsWith('DELETE')));

  it('has a good body for every route that takes one', () => {
    const takingBodies = routes.filter(([, route]) => route.contract.body).map(([, route]) => route.route);
    expect(takingBodies.filter((routeKey) => !goodBodies[routeKey])).toEqual([]);
  });

  it.each(routes.map(([name, route]) => [name, route.route, route.contract] as const))(
    '%s (%s) answers each odd path, query and value with a documented 4xx problem, never a 5xx, and repeats no secret',
    async (_name, routeKey, contract) => {
      const [method, pattern] = routeKey.split(' ') as [string, string];
      const statuses = Object.keys(documented[openApiPath(pattern)]![method.toLowerCase()]!.responses);
      const wrong: string[] = [];
      const attempts = attemptsFor(routeKey);
      // Updates one at a time, each under the version it read; the rest a few at a time.
      const batch = method === 'PATCH' ? 1 : 8;
      const { output } = await runtime.logsDuring(async () => {
        for (let i = 0; i < attempts.length; i += batch) {
          await Promise.all(
            attempts.slice(i, i + batch).map(async (attempt) => {
              const response = await fetch(`${runtime.url}${attempt.path}`, {
                method,
                headers: {
                  authorization: `Bearer ${runtime.apiKey}`,
                  'if-match': await currentVersion(attempt.path),
                  'idempotency-key': randomBytes(8).toString('hex'),
                  ...(attempt.body === undefined ? {} : { 'content-type': attempt.contentType ?? 'application/json' }),
                },
                ...(attempt.body === undefined ? {} : { body: attempt.body }),
                redirect: 'manual',
              });
              const type = response.headers.get('content-type') ?? '';
              const text = await response.text();
              const isProblem = type === 'application/problem+json' && /"detail":"[^"]+"/.test(text);
              if (attempt.what === goodBody && response.status >= 300) wrong.push(`${goodBody}: ${response.status} ${text.slice(0, 200)}`);
              // Successes and redirects (the OAuth callback's answer to a user) are not errors.
              if (response.status >= 500 || (response.status >= 400 && !isProblem)) {
                wrong.push(`${attempt.what}: ${response.status} ${type} ${text.slice(0, 200)}`);
              }
              const breach = breachOf(contract, response.status, type, text);
              if (breach) wrong.push(`${attempt.what}: ${breach}`);
              if (!statuses.includes(String(response.status))) {
                wrong.push(`${attempt.what}: ${response.status} is not among the documented ${statuses.join(', ')}`);
              }
              for (const secret of secretsIn(attempt.body ?? '')) {
                if (text.includes(secret)) wrong.push(`${attempt.what}: the answer repeats a secret the body carried`);
              }
            }),
          );
        }
      });
      const sent = attempts.flatMap((attempt) => secretsIn(attempt.body ?? ''));
      if (sent.some((secret) => output.includes(secret))) wrong.push('a log line repeats a secret a body carried');
      expect(wrong).toEqual([]);
    },
  );
});
