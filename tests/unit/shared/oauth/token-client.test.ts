import { findIntegration } from '../../../../shared/integrations/service';
import { builtInIntegrations } from '../../../../shared/integrations/catalog';
import { refreshTokens, type Send } from '../../../../shared/oauth/token-client';

const at = new Date('2026-03-04T05:06:07Z');
const client = { clientId: 'id', clientSecret: 'secret' };

/** A token endpoint answering this JSON body. */
const answering = (body: Record<string, unknown>): Send => async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), latencyMs: 1, attempts: 1 });

async function expiresAt(integration: string, expiresIn: unknown) {
  const definition = findIntegration([...builtInIntegrations], integration)!;
  const tokens = await refreshTokens(answering({ access_token: 'a', expires_in: expiresIn }), definition, { tokenUrl: 'https://example.com/token', client, refreshToken: 'r', scopes: [] }, at);
  return tokens.expiresAt;
}

const later = (seconds: number) => new Date(at.getTime() + seconds * 1000).toISOString();

describe('the lifetime of a refreshed access token', () => {
  it('is the expires_in the provider states', async () => {
    expect(await expiresAt('zoom', 1800)).toBe(later(1800));
    expect(await expiresAt('zoom', '1800')).toBe(later(1800));
  });

  it('is 10 years at most, as the provider states it', async () => {
    expect(await expiresAt('zoom', 10 * 365 * 24 * 3600)).toBe(later(10 * 365 * 24 * 3600));
  });

  it.each([[1e300], [10 * 365 * 24 * 3600 + 1], ['1e999'], [-60], [0], ['soon'], [null], [undefined]])(
    "is the integration's declared lifetime when expires_in is %p",
    async (expiresIn) => {
      expect(await expiresAt('zoom', expiresIn)).toBe(later(3600));
    },
  );

  it('is unknown when expires_in is absurd and the integration declares no lifetime', async () => {
    expect(await expiresAt('github', 1e300)).toBeUndefined();
  });
});
