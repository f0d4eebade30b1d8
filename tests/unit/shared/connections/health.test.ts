import { healthWeights, lastSyncAt, scoreHealth, type HealthFigures, type RecentRun } from '../../../../shared/connections/health';
import { connectionHealth } from '../../../../shared/connections/service';
import type { ConnectionItem } from '../../../../shared/connections/store';
import type { MetricsReader } from '../../../../shared/metrics/reader';
import { NotFound } from '../../../../shared/platform/errors';
import { fakeConnectionStore } from '../../../fakes/in-memory';

const now = new Date('2026-12-07T12:00:00.000Z');
const quiet: HealthFigures = { pages: 0, rateLimited: 0, inboundAccepted: 0, inboundRefused: 0 };
const apiKey: Pick<ConnectionItem, 'status' | 'oauth' | 'credentialFields'> = { status: 'active', oauth: null, credentialFields: ['apiKey'] };
const run = (status: RecentRun['status'], finishedAt: string | null = null): RecentRun => ({ status, finishedAt });
const inHours = (hours: number) => new Date(now.getTime() + hours * 3600_000).toISOString();
const impactsAddUp = (scored: ReturnType<typeof scoreHealth>) => expect(scored.reasons.reduce((sum, reason) => sum + reason.impact, 0)).toBe(100 - scored.score);

describe('the health score', () => {
  it('is 100 with no reasons for a connection with working credentials, successful runs and quiet metrics', () => {
    expect(scoreHealth(apiKey, [run('succeeded', inHours(-1))], quiet, now)).toEqual({ score: 100, reasons: [] });
  });

  it('takes the credentials weight off an auth_failed connection and says so', () => {
    const scored = scoreHealth({ ...apiKey, status: 'auth_failed' }, [], quiet, now);

    expect(scored.score).toBe(100 - healthWeights.credentials);
    expect(scored.reasons).toEqual([{ code: 'auth_failed', detail: expect.stringContaining('refused the credentials'), impact: healthWeights.credentials }]);
  });

  it('tells an expired token that cannot be refreshed from one expiring soon, and ignores a refreshable one', () => {
    const oauth = (expiresAt: string, fields: string[]) => ({ status: 'active' as const, oauth: { scopes: [], tokenExpiresAt: expiresAt }, credentialFields: fields });

    expect(scoreHealth(oauth(inHours(-1), ['accessToken']), [], quiet, now).reasons.map((r) => [r.code, r.impact])).toEqual([['token_expired', healthWeights.credentials]]);
    expect(scoreHealth(oauth(inHours(2), ['accessToken']), [], quiet, now).reasons.map((r) => [r.code, r.impact])).toEqual([['token_expiring', healthWeights.tokenExpiring]]);
    expect(scoreHealth(oauth(inHours(48), ['accessToken']), [], quiet, now).reasons).toEqual([]);
    expect(scoreHealth(oauth(inHours(-1), ['accessToken', 'refreshToken']), [], quiet, now).reasons).toEqual([]);
  });

  it('weighs the share of the last finished runs that failed, ignoring runs still going and cancelled ones', () => {
    const runs = [run('running'), run('failed', inHours(-1)), run('cancelled', inHours(-2)), run('succeeded', inHours(-3)), run('failed', inHours(-4)), run('succeeded', inHours(-5))];

    const scored = scoreHealth(apiKey, runs, quiet, now);

    expect(scored.reasons).toEqual([{ code: 'run_failures', detail: '2 of the last 4 finished sync runs failed', impact: healthWeights.runs / 2 }]);
    impactsAddUp(scored);
  });

  it('takes the whole rate-limit weight when half the page requests were answered 429, and a share of it below', () => {
    const half = scoreHealth(apiKey, [], { ...quiet, pages: 50, rateLimited: 50 }, now);
    const tenth = scoreHealth(apiKey, [], { ...quiet, pages: 90, rateLimited: 10 }, now);

    expect(half.reasons).toEqual([{ code: 'rate_limited', detail: expect.stringContaining('50 %'), impact: healthWeights.rateLimited }]);
    expect(tenth.reasons).toEqual([{ code: 'rate_limited', detail: expect.stringContaining('(10 of 100)'), impact: 2 }]);
  });

  it('weighs refused inbound webhook events against those accepted', () => {
    const scored = scoreHealth(apiKey, [], { ...quiet, inboundAccepted: 3, inboundRefused: 1 }, now);

    expect(scored.reasons).toEqual([{ code: 'webhooks_refused', detail: expect.stringContaining('(1 of 4)'), impact: 5 }]);
  });

  it('never goes below 0, and its reasons always add up to 100 − score', () => {
    const scored = scoreHealth({ ...apiKey, status: 'auth_failed' }, [run('failed', inHours(-1))], { pages: 1, rateLimited: 9, inboundAccepted: 0, inboundRefused: 5 }, now);

    expect(scored.score).toBe(0);
    expect(scored.reasons.map((r) => r.code)).toEqual(['auth_failed', 'run_failures', 'rate_limited', 'webhooks_refused']);
    impactsAddUp(scored);
  });
});

describe('lastSyncAt', () => {
  it('is when the newest run that finished did, skipping runs still going and cancelled ones', () => {
    expect(lastSyncAt([run('queued'), run('cancelled', inHours(-1)), run('failed', inHours(-2)), run('succeeded', inHours(-3))])).toBe(inHours(-2));
    expect(lastSyncAt([run('running')])).toBeNull();
  });
});

describe('connectionHealth', () => {
  const connection: ConnectionItem = {
    id: 'conn_1',
    integration: 'stripe',
    name: 'Stripe',
    authType: 'api_key',
    params: {},
    credentialFields: ['apiKey'],
    status: 'active',
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    lastTest: null,
  };

  async function setUp() {
    const { store } = fakeConnectionStore();
    await store.create('acme', connection, { tenantId: 'acme', connectionId: 'conn_1', updatedAt: now.toISOString() } as never, [], false);
    const asked: Array<{ tenantId: string; name: string; filter: unknown; from: string; to: string }> = [];
    const metrics: Pick<MetricsReader, 'window'> = {
      window: async (tenantId, query) => {
        asked.push({ tenantId, name: query.name, filter: query.filter, from: query.from.toISOString(), to: query.to.toISOString() });
        return { kind: 'counter', sum: query.name === 'sync.rate_limited' ? 5 : query.name === 'sync.pages' ? 5 : 0 };
      },
    };
    const runsAsked: unknown[] = [];
    const deps = {
      store,
      metrics,
      now: () => now,
      recentRuns: async (tenantId: string, connectionId: string, limit: number) => {
        runsAsked.push({ tenantId, connectionId, limit });
        return [run('succeeded', inHours(-1))];
      },
    };
    return { deps, asked, runsAsked };
  }

  it("reads the connection's own runs and 24 h figures and reports the score, its reasons and lastSyncAt", async () => {
    const { deps, asked, runsAsked } = await setUp();

    const health = await connectionHealth(deps, 'acme', 'conn_1');

    expect(health).toMatchObject({ id: 'conn_1', status: 'active', lastSyncAt: inHours(-1), score: 100 - healthWeights.rateLimited, reasons: [{ code: 'rate_limited' }] });
    expect(runsAsked).toEqual([{ tenantId: 'acme', connectionId: 'conn_1', limit: 10 }]);
    expect(asked.map((a) => a.name).sort()).toEqual(['inbound.accepted', 'inbound.refused', 'sync.pages', 'sync.rate_limited']);
    expect(asked.every((a) => a.tenantId === 'acme' && a.to === now.toISOString() && a.from === inHours(-24))).toBe(true);
    expect(asked.every((a) => JSON.stringify(a.filter) === JSON.stringify({ dimension: 'connection', value: 'conn_1' }))).toBe(true);
  });

  it("answers NotFound for another tenant's connection", async () => {
    const { deps } = await setUp();

    await expect(connectionHealth(deps, 'someone-else', 'conn_1')).rejects.toThrow(NotFound);
  });
});
