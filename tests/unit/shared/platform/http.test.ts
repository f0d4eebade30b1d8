import * as z from 'zod';
import type { Context } from 'aws-lambda';
import { defineContract } from '../../../../shared/platform/contract';
import { Conflict } from '../../../../shared/platform/errors';
import { createHttp, maxBodyBytes, type HttpEvent } from '../../../../shared/platform/http';

const refusals: unknown[][] = [];
const http = createHttp({
  admit: async () => ({ limit: 100, remaining: 99, resetSeconds: 30 }),
  recordRefusal: async (...args) => {
    refusals.push(args);
  },
  // Idempotency-Key is exercised against DynamoDB Local in tests/integration/idempotency.test.ts.
  idempotency: {
    claim: async () => ({ state: 'claimed' }),
    complete: async () => {},
    release: async () => {},
  },
});
import { captureOutput } from '../../../support/runtime';

const contract = defineContract({
  summary: 'test',
  tag: 'test',
  scope: 'write',
  body: z.strictObject({ name: z.string().min(1) }),
  responses: { 201: { description: 'made' } },
});

const handler = http(contract, async ({ body, principal }) => ({
  status: 201,
  body: { name: body.name, tenant: principal.tenantId },
}));

const allowed = { tenantId: 't1', keyId: 'key_1', scopes: 'read write' };

function event(overrides: Partial<HttpEvent> & { verdict?: Record<string, string> | null } = {}): HttpEvent {
  const { verdict = allowed, ...rest } = overrides;
  return {
    version: '2.0',
    routeKey: 'POST /things',
    rawPath: '/things',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: '{"name":"a"}',
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      http: { method: 'POST', path: '/things' },
      ...(verdict ? { authorizer: { lambda: verdict } } : {}),
    },
    ...rest,
  } as unknown as HttpEvent;
}

const invoke = async (e: HttpEvent) => {
  const result = await handler(e, { awsRequestId: 'aws-1' } as Context);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
};

describe('the HTTP wrapper', () => {
  it('passes the validated body and the principal to the route', async () => {
    const result = await invoke(event());
    expect(result.statusCode).toBe(201);
    expect(result.json).toEqual({ name: 'a', tenant: 't1' });
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const result = await invoke(event({ body: '{"name":' }));
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    expect(result.json.detail).toBe('the body is not valid JSON: it ends before the document does');
  });

  it('does not quote a malformed body back, since it may hold a credential', async () => {
    const result = await invoke(event({ body: '{"name":"a","apiKey":sk_live_TOPSECRET12345}' }));
    expect(result.statusCode).toBe(400);
    expect(result.json.detail).toMatch(/^the body is not valid JSON/);
    expect(JSON.stringify(result)).not.toContain('sk_live');
  });

  it('says where a malformed body breaks when the parser knows', async () => {
    const result = await invoke(event({ body: '{"name":"a"} trailing' }));
    expect(result.json.detail).toBe('the body is not valid JSON at position 13');
  });

  it('answers a non-JSON content type with 415', async () => {
    const result = await invoke(event({ headers: { 'content-type': 'text/plain' } }));
    expect(result.statusCode).toBe(415);
    expect(result.json.detail).toBe('send the body as application/json (got "text/plain")');
  });

  it('accepts JSON with a charset and a +json subtype', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      expect((await invoke(event({ headers: { 'content-type': type } }))).statusCode).toBe(201);
    }
  });

  it('names every unknown field', async () => {
    const result = await invoke(event({ body: '{"name":"a","colour":1,"size":2}' }));
    expect(result.statusCode).toBe(400);
    expect(result.json.errors).toEqual([
      { field: 'body.colour', message: 'unknown field' },
      { field: 'body.size', message: 'unknown field' },
    ]);
  });

  it('lists field errors for values of the wrong type', async () => {
    const result = await invoke(event({ body: '{"name":5}' }));
    expect(result.json.errors).toEqual([{ field: 'body.name', message: expect.stringMatching(/expected string/) }]);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const result = await invoke(event({ body: JSON.stringify({ name: 'x'.repeat(maxBodyBytes) }) }));
    expect(result.statusCode).toBe(413);
  });

  it("holds a body to its contract's own cap instead, raw or JSON, past the API's", async () => {
    const cap = maxBodyBytes * 2;
    const raw = http(defineContract({ summary: 'raw', tag: 'test', scope: 'write', rawBody: true, maxBodyBytes: cap, responses: { 200: { description: 'size' } } }), async ({ body }) => ({ status: 200, body: { bytes: body.length } }));
    const json = http({ ...contract, maxBodyBytes: cap }, async ({ body }) => ({ status: 200, body: { length: body.name.length } }));
    const run = async (h: typeof raw, body: string, isBase64Encoded = false) => {
      const result = await h(event({ body, isBase64Encoded }), { awsRequestId: 'aws-1' } as Context);
      return { status: result.statusCode, type: result.headers?.['content-type'], json: JSON.parse(result.body!) };
    };
    // Bytes are counted after base64 decoding, as the signature is checked on them.
    expect(await run(raw, Buffer.alloc(cap).toString('base64'), true)).toMatchObject({ status: 200, json: { bytes: cap } });
    expect(await run(raw, Buffer.alloc(cap + 1).toString('base64'), true)).toMatchObject({
      status: 413,
      type: 'application/problem+json',
      json: { detail: `the body is ${cap + 1} bytes; the limit is ${cap} bytes` },
    });
    const name = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes - '{"name":""}'.length) });
    expect(await run(json, name(cap))).toMatchObject({ status: 200 });
    expect(await run(json, name(cap + 1))).toMatchObject({ status: 413, type: 'application/problem+json' });
  });

  it('counts base64-encoded bodies after decoding', async () => {
    const body = Buffer.from('{"name":"b"}').toString('base64');
    const result = await invoke(event({ body, isBase64Encoded: true }));
    expect(result.json).toEqual({ name: 'b', tenant: 't1' });
  });

  it('answers 401 when the authorizer reported a failure', async () => {
    const result = await invoke(event({ verdict: { failure: 'unknown API key' } }));
    expect(result.statusCode).toBe(401);
    expect(result.json.detail).toBe('unknown API key');
  });

  it('answers 401 when no authorizer ran at all', async () => {
    expect((await invoke(event({ verdict: null }))).statusCode).toBe(401);
  });

  it('answers 403 when the key lacks the scope', async () => {
    const result = await invoke(event({ verdict: { ...allowed, scopes: 'read' } }));
    expect(result.statusCode).toBe(403);
  });

  it('turns a domain error into its status', async () => {
    const conflicting = http({ ...contract, body: undefined }, async () => {
      throw new Conflict('already there');
    });
    const result = await conflicting(event({ body: undefined }), {} as Context);
    expect(result.statusCode).toBe(409);
    expect(JSON.parse(result.body!).detail).toBe('already there');
  });

  it('answers anything else with a bare 500 that leaks nothing, logs it and counts it', async () => {
    const failing = http({ ...contract, body: undefined }, async () => {
      throw new Error('db password is hunter2');
    });
    const { result, output } = await captureOutput(() => failing(event({ body: undefined }), {} as Context));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('hunter2');
    expect(JSON.parse(result.body!).requestId).toBe('req-1');
    expect(output).toContain('unhandled error');
    expect(output).toContain('"UnhandledErrors":1');
  });

  it('echoes a well-formed correlation id and ignores a malformed one', async () => {
    const given = await invoke(event({ headers: { 'content-type': 'application/json', 'x-correlation-id': 'abc-123' } }));
    expect(given.headers?.['x-correlation-id']).toBe('abc-123');
    const bad = await invoke(event({ headers: { 'content-type': 'application/json', 'x-correlation-id': 'a b\n' } }));
    expect(bad.headers?.['x-correlation-id']).toBe('req-1');
    expect(bad.headers?.['x-request-id']).toBe('req-1');
  });

  it('sets RateLimit headers on authenticated responses', async () => {
    const { headers } = await invoke(event());
    expect(headers).toMatchObject({ 'ratelimit-limit': '100', 'ratelimit-remaining': '99', 'ratelimit-reset': '30' });
  });

  it('records a refused mutating call in the audit log, with the caller', async () => {
    const audited = http({ ...contract, audit: 'thing.create' }, async () => ({ status: 201 }));
    refusals.length = 0;
    await audited(event({ body: '{' }), {} as Context);
    expect(refusals).toEqual([[{ tenantId: 't1', keyId: 'key_1', requestId: 'req-1', action: 'thing.create' }, null, 400, 'urn:junction:problem:invalid-request']]);
  });

  it('sets security headers on success and on errors', async () => {
    for (const e of [event(), event({ body: '{' })]) {
      const { headers } = await invoke(e);
      expect(headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'strict-transport-security': expect.stringContaining('max-age='),
      });
    }
  });
});
