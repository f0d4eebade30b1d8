import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime();
});
afterAll(() => runtime.stop());

type Entry = { action: string; target: string | null; outcome: string; status: number; keyId: string; requestId: string };
const auditLog = async (query = '') =>
  ((await (await runtime.call(`/v1/audit-log${query}`)).json()) as { data: Entry[]; nextCursor: string | null }).data;

describe('the audit log', () => {
  it('records a change with who made it and the request that did', async () => {
    const response = await runtime.call('/v1/api-keys', { method: 'POST', json: { name: 'audited' } });
    const key = await response.json();
    const [latest] = await auditLog('?limit=1');
    expect(latest).toMatchObject({ action: 'api_key.create', target: key.id, outcome: 'succeeded', status: 201 });
    expect(latest!.requestId).toBe(response.headers.get('x-request-id'));
    expect(latest!.keyId).toMatch(/^key_/);
  });

  it('records a refused change, with its status, and nothing about the body', async () => {
    await runtime.call('/v1/api-keys', { method: 'POST', json: { name: 'x', planted: 'jh_SECRET_VALUE_123456789' } });
    const [latest] = await auditLog('?limit=1');
    expect(latest).toMatchObject({ action: 'api_key.create', outcome: 'refused', status: 400, target: null });
    expect(JSON.stringify(latest)).not.toContain('SECRET_VALUE');
  });

  it('records a refused change to an integration against its key', async () => {
    const refused = await runtime.call('/v1/integrations/stripe/oauth-client', { method: 'PUT', json: { clientId: '' } });
    expect(refused.status).toBe(400);
    const [latest] = await auditLog('?limit=1');
    expect(latest).toMatchObject({ action: 'oauth_client.put', outcome: 'refused', status: 400, target: 'stripe' });
  });

  it('records a revocation against the revoked key', async () => {
    const key = await (await runtime.call('/v1/api-keys', { method: 'POST', json: { name: 'to revoke' } })).json();
    await runtime.call(`/v1/api-keys/${key.id}`, { method: 'DELETE' });
    const [latest] = await auditLog('?limit=1');
    expect(latest).toMatchObject({ action: 'api_key.revoke', target: key.id, outcome: 'succeeded' });
  });

  it('filters by outcome and pages newest first', async () => {
    const refused = await auditLog('?outcome=refused&limit=100');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.outcome === 'refused')).toBe(true);
    const all = await auditLog('?limit=100');
    expect(all.map((e) => e.action)).toContain('tenant.create');
  });

  it('does not record reads', async () => {
    const before = (await auditLog('?limit=100')).length;
    await runtime.call('/v1/api-keys');
    expect((await auditLog('?limit=100')).length).toBe(before);
  });
});
