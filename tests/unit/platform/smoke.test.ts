import { http } from '../../../shared/platform/http';
import { healthContract } from '../../../shared/platform/contracts';
it('loads', async () => {
  const h = http(healthContract, async () => ({ status: 200, body: { ok: true } }));
  const r = await h({ requestContext: { requestId: 'r1', http: { method: 'GET', path: '/x' } }, headers: {}, rawPath: '/x' } as never, {} as never);
  expect(r.statusCode).toBe(200);
});
