import { authorizerOf } from '../../../../infra/declaration';
import { declaration } from '../../../../infra/functions';
import type { FunctionHost } from '../../../../infra/local/functions';
import { startGateway, type RunningGateway } from '../../../../infra/local/gateway';

const [authorizerName] = authorizerOf(declaration);
let authorizerRuns = 0;
const functions: FunctionHost = {
  async invoke(name) {
    if (name === authorizerName) {
      authorizerRuns++;
      return { isAuthorized: true, context: { tenantId: 't1', keyId: 'key_1', scopes: 'read' } };
    }
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
  },
};

let gateway: RunningGateway;
beforeAll(async () => {
  gateway = await startGateway({ declaration, functions, port: 0, maxCachedVerdicts: 3 });
});
afterAll(() => gateway.stop());

const callWith = async (key: string) => {
  const response = await fetch(`${gateway.url}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } });
  await response.text();
  return response.status;
};

describe('the authorizer cache', () => {
  it('answers a key seen before from the cache, and forgets verdicts past its cap instead of growing with every new key', async () => {
    expect(await callWith('jh_first')).toBe(200);
    expect(await callWith('jh_first')).toBe(200);
    expect(authorizerRuns).toBe(1);

    for (const key of ['jh_second', 'jh_third', 'jh_fourth']) await callWith(key);
    expect(authorizerRuns).toBe(4);

    // The fourth key found the cache full: the first key's verdict is gone, so it is asked again.
    await callWith('jh_first');
    expect(authorizerRuns).toBe(5);
  });
});
