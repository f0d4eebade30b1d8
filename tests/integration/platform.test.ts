import { once } from 'node:events';
import { connect } from 'node:net';
import { startTestRuntime, type TestRuntime } from '../support/runtime';
import { declaration } from '../../infra/functions';
import { routesOf } from '../../infra/declaration';
import { openApiPath } from '../../shared/platform/openapi';
import { goodBodies } from '../support/good-bodies';

let runtime: TestRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

const expectProblem = async (response: Response, status: number) => {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = await response.json();
  expect(problem).toMatchObject({ status, type: expect.stringMatching(/^urn:junction:problem:/), requestId: expect.any(String) });
  return problem as { detail: string; errors?: unknown[] };
};

describe('GET /v1/health', () => {
  it('reports every dependency up with its latency, without an API key', async () => {
    const response = await runtime.call('/v1/health', { key: null });
    expect(response.status).toBe(200);
    const health = await response.json();
    expect(health.status).toBe('ok');
    expect(Object.keys(health.dependencies).sort()).toEqual(['bucket:uploads', 'key', 'table:limits', 'table:main', 'table:records']);
    for (const dependency of Object.values(health.dependencies) as Array<{ status: string; latencyMs: number }>) {
      expect(dependency).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
    }
  });

  it('names dependencies by their declared names, without their physical ones', async () => {
    const text = await (await runtime.call('/v1/health', { key: null })).text();
    for (const physical of [runtime.env.MAIN_TABLE_NAME!, runtime.env.LIMITS_TABLE_NAME!, runtime.env.UPLOADS_BUCKET_NAME!]) {
      expect(text).not.toContain(physical);
    }
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every declared route', async () => {
    const doc = await (await runtime.call('/openapi.json', { key: null })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const [, route] of routesOf(declaration)) {
      if (route.route === '$default') continue;
      const [method, path] = route.route.split(' ') as [string, string];
      expect([route.route, doc.paths[openApiPath(path)]?.[method.toLowerCase()]?.summary]).toEqual([route.route, route.contract.summary]);
    }
  });

  it('describes request bodies with the schemas that validate them', async () => {
    const doc = await (await runtime.call('/openapi.json', { key: null })).json();
    const body = doc.paths['/v1/api-keys'].post.requestBody.content['application/json'].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name']);
  });

  it('gives every error a body (problem+json unless it has its own), and names If-Match wherever a missing one is a 428', async () => {
    const doc = await (await runtime.call('/openapi.json', { key: null })).json();
    const bodiless: string[] = [];
    const ifMatch: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: object }>; parameters?: Array<{ in: string; name: string; required?: boolean }> }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) >= 400 && !response.content) bodiless.push(`${method} ${path} ${status}`);
        }
        const named = operation.parameters?.some((p) => p.in === 'header' && p.name === 'if-match' && p.required);
        if ('428' in operation.responses && !named) ifMatch.push(`${method} ${path}`);
      }
    }
    expect({ bodiless, ifMatch }).toEqual({ bodiless: [], ifMatch: [] });
    expect(doc.paths['/v1/connections/{id}'].patch.parameters).toContainEqual(expect.objectContaining({ in: 'header', name: 'if-match', required: true }));
    expect(doc.paths['/v1/connections/{id}'].patch.responses['412'].content).toHaveProperty(['application/problem+json']);
  });

  it('is rendered by a page at /docs that runs only scripts Junction serves itself', async () => {
    const response = await runtime.call('/docs', { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
    const scripts = [...(await response.text()).matchAll(/<script src="([^"]+)"><\/script>/g)].map(([, src]) => src!);
    expect(scripts).toEqual(['docs/swagger-ui-bundle.js', 'docs/init.js']);
    for (const src of scripts) {
      const script = await runtime.call(`/${src}`, { key: null });
      expect([src, script.status, script.headers.get('content-type')]).toEqual([src, 200, 'text/javascript; charset=utf-8']);
    }
  });

  it("serves the page's files with an ETag, and 304 to a browser holding the current copy", async () => {
    const first = await runtime.call('/docs/swagger-ui.css', { key: null });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=86400');
    const again = await runtime.call('/docs/swagger-ui.css', { key: null, headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for a file the page does not load', async () => {
    await expectProblem(await runtime.call('/docs/package.json', { key: null }), 404);
  });
});

describe('requests the API does not serve', () => {
  it('answers an unknown path with 404 problem+json', async () => {
    const problem = await expectProblem(await runtime.call('/v2/anything', { key: null }), 404);
    expect(problem.detail).toBe('no route serves GET /v2/anything');
  });

  it('answers a wrong method with 405 and an Allow header', async () => {
    const response = await runtime.call('/v1/api-keys', { method: 'PUT' });
    expect(response.headers.get('allow')).toBe('POST, GET');
    await expectProblem(response, 405);
  });

  it('answers an unknown path with 404 even when it carries a JSON body', async () => {
    await expectProblem(await runtime.call('/v1/nothing-here', { method: 'POST', json: { a: 1 } }), 404);
  });

  it('drops a request whose client hangs up before its body arrives without logging an error, and serves the next', async () => {
    const { port } = new URL(runtime.url);
    const { output } = await runtime.logsDuring(async () => {
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        `POST /v1/api-keys HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${runtime.apiKey}\r\n` +
          'content-type: application/json\r\ncontent-length: 100\r\n\r\n{"name":',
      );
      // The client goes once its bytes have left; the next request, served after the
      // gateway has seen the hang-up, is the barrier before the output is read.
      await new Promise((resolve) => socket.write('', resolve));
      socket.destroy();
      await once(socket, 'close');
      expect((await runtime.call('/v1/health', { key: null })).status).toBe(200);
    });
    expect(output).toBe('');
  });
});

describe('bad request bodies through the gateway', () => {
  it('answers malformed JSON with 400', async () => {
    const response = await runtime.call('/v1/api-keys', { method: 'POST', body: '{"name":', headers: { 'content-type': 'application/json' } });
    await expectProblem(response, 400);
  });

  it('answers a form-encoded body with 415', async () => {
    const response = await runtime.call('/v1/api-keys', { method: 'POST', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await expectProblem(response, 415);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const response = await runtime.call('/v1/api-keys', { method: 'POST', json: { name: 'x'.repeat(1024 * 1024) } });
    await expectProblem(response, 413);
  });

  it.each([
    ['only spaces', '     '],
    ['a lone surrogate', 'key \ud800'],
    ['a control character', 'key\u0007'],
  ])('answers a name with %s with a field error, not a 500', async (_what, name) => {
    const response = await runtime.call('/v1/api-keys', { method: 'POST', json: { name } });
    const problem = await expectProblem(response, 400);
    expect(problem.errors).toEqual([{ field: 'body.name', message: expect.any(String) }]);
  });

  it('accepts names in any script', async () => {
    const response = await runtime.call('/v1/api-keys', { method: 'POST', json: { name: 'Clé ключ 鍵 🔑' } });
    expect(response.status).toBe(201);
    expect((await response.json()).name).toBe('Clé ключ 鍵 🔑');
  });

  it('answers a JSON array where an object belongs with 400', async () => {
    await expectProblem(await runtime.call('/v1/api-keys', { method: 'POST', json: [1, 2] }), 400);
  });
});

describe('cross-origin requests', () => {
  it('answers a preflight with the declared CORS policy', async () => {
    const response = await runtime.call('/v1/api-keys', {
      method: 'OPTIONS',
      key: null,
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('exposes to browsers every header its answers carry for clients', async () => {
    const origin = { origin: 'https://app.example' };
    const answers = [
      await runtime.call('/v1/connections', { method: 'POST', json: goodBodies['POST /v1/connections']!(), headers: { ...origin, 'idempotency-key': `cors-${Date.now()}` } }),
      await runtime.call('/v1/api-keys', { headers: origin }),
      await runtime.call('/v1/api-keys', { key: `jh_${'x'.repeat(43)}`, headers: origin }),
      await runtime.call('/v1/api-keys', { method: 'PATCH', headers: origin }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([201, 200, 401, 405]);
    // Headers for the browser itself rather than for the page's script: the CORS-safelisted
    // ones, CORS and transport headers, the security policy, and API Gateway's own id.
    const forTheBrowser = new Set([
      'cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma',
      'access-control-allow-origin', 'access-control-expose-headers', 'vary', 'date', 'connection', 'keep-alive', 'transfer-encoding',
      'strict-transport-security', 'x-content-type-options', 'content-security-policy', 'referrer-policy', 'x-frame-options',
      'apigw-requestid',
    ]);
    const sent = new Set(answers.flatMap((answer) => [...answer.headers.keys()]).filter((name) => !forTheBrowser.has(name)));
    const exposed = answers[0]!.headers.get('access-control-expose-headers')!.split(',');
    expect([...sent].filter((name) => !exposed.includes(name))).toEqual([]);
    expect([...sent]).toEqual(expect.arrayContaining(['etag', 'location', 'ratelimit-remaining', 'www-authenticate', 'allow']));
  });

  it('exposes the request id to browsers', async () => {
    const response = await runtime.call('/v1/health', { key: null, headers: { origin: 'https://app.example' } });
    expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('log lines of concurrent requests', () => {
  // The local runtime hosts every function in one process, so requests overlap there as
  // they do under Lambda's multi-concurrency: each line must still carry its own ids.
  it("carry their own request's request id and correlation id", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `corr-${i}`);
    const { output, result: responses } = await runtime.logsDuring(() =>
      Promise.all(
        // Each handler awaits a DynamoDB read before it refuses (404) and logs the refusal.
        ids.map((id) => runtime.call(`/v1/connections/conn_${'0'.repeat(26)}`, { headers: { 'x-correlation-id': id } })),
      ),
    );
    const requestIdOf = new Map(responses.map((r, i) => [r.headers.get('x-request-id')!, ids[i]!]));
    const refusals = output
      .split('\n')
      .filter((line) => line.includes('"request refused"'))
      .map((line) => JSON.parse(line) as { requestId: string; correlationId: string; status: number });
    expect(responses.map((r) => r.status)).toEqual(ids.map(() => 404));
    expect(refusals).toHaveLength(ids.length);
    // One line per request, each under that request's ids (not the last request's).
    expect(refusals.map((line) => line.requestId).sort()).toEqual([...requestIdOf.keys()].sort());
    for (const line of refusals) expect(line.correlationId).toBe(requestIdOf.get(line.requestId));
  });
});
