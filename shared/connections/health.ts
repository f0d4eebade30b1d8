import type { MetricsReader } from '../metrics/reader';
import type { RunStatus } from '../syncs/schema';
import type { ConnectionItem } from './store';

/**
 * A connection's health score: 100 less the impact of each reason found, so the reasons
 * always add up to 100 − score. Each kind of trouble has a ceiling, and the ceilings add up
 * to 100 (docs/monitoring.md, "Connection health"):
 *
 *   credentials      50   auth_failed / token_expired 50, connection_error 25, token_expiring 20 (one of them)
 *   sync runs        30   × the share of the last 10 finished runs that failed
 *   rate limiting    10   × min(1, share of page requests answered 429 / 50 %)
 *   inbound webhooks 10   × min(1, share of inbound events refused / 50 %)
 */
export const healthWeights = { credentials: 50, connectionError: 25, tokenExpiring: 20, runs: 30, rateLimited: 10, webhooksRefused: 10 } as const;
/** Runs looked at, newest first. */
export const recentRunCount = 10;
/** A token that cannot be refreshed counts as expiring this long before it expires. */
export const tokenExpiringMs = 24 * 3600_000;
/** The window of the rate-limit and webhook shares. */
export const healthWindowMs = 24 * 3600_000;
/** A share at or above this costs a reason its whole weight; below, proportionally. */
const fullImpactShare = 0.5;

export const healthReasonCodes = ['auth_failed', 'token_expired', 'connection_error', 'token_expiring', 'run_failures', 'rate_limited', 'webhooks_refused'] as const;
export type HealthReasonCode = (typeof healthReasonCodes)[number];

export interface HealthReason {
  code: HealthReasonCode;
  detail: string;
  /** Points taken off the score. */
  impact: number;
}

/** A run as health reads it, from the syncs domain's run history (newest first). */
export interface RecentRun {
  status: RunStatus;
  finishedAt: string | null;
}

/** What a health report reads besides the connection: its recent runs (the syncs domain) and its metrics. */
export interface HealthSources {
  recentRuns(tenantId: string, connectionId: string, limit: number): Promise<RecentRun[]>;
  metrics: Pick<MetricsReader, 'window'>;
  now?: () => Date;
}

/** The last-24-h figures for one connection that the score weighs. */
export interface HealthFigures {
  pages: number;
  rateLimited: number;
  inboundAccepted: number;
  inboundRefused: number;
}

/** Reads the connection's 24 h figures, all at once (four small series reads). */
export async function healthFigures(metrics: HealthSources['metrics'], tenantId: string, connectionId: string, now: Date): Promise<HealthFigures> {
  const from = new Date(now.getTime() - healthWindowMs);
  const sum = async (name: 'sync.pages' | 'sync.rate_limited' | 'inbound.accepted' | 'inbound.refused') => {
    const value = await metrics.window(tenantId, { name, from, to: now, filter: { dimension: 'connection', value: connectionId } });
    return value.kind === 'counter' ? value.sum : 0;
  };
  const [pages, rateLimited, inboundAccepted, inboundRefused] = await Promise.all([sum('sync.pages'), sum('sync.rate_limited'), sum('inbound.accepted'), sum('inbound.refused')]);
  return { pages, rateLimited, inboundAccepted, inboundRefused };
}

const ended = (run: RecentRun) => run.status === 'succeeded' || run.status === 'failed';

/** When the newest run that finished (succeeded or failed) did; null before any. */
export function lastSyncAt(runs: RecentRun[]): string | null {
  return runs.find((run) => ended(run) && run.finishedAt !== null)?.finishedAt ?? null;
}

const percent = (share: number) => `${Math.round(share * 100)} %`;
const proportional = (weight: number, share: number) => Math.round(weight * Math.min(1, share / fullImpactShare));

/** The score and its reasons: pure, so that every threshold is pinned by a unit test. */
export function scoreHealth(connection: Pick<ConnectionItem, 'status' | 'oauth' | 'credentialFields'>, runs: RecentRun[], figures: HealthFigures, now: Date): { score: number; reasons: HealthReason[] } {
  const reasons: HealthReason[] = [];
  const credentials = credentialsReason(connection, now);
  if (credentials) reasons.push(credentials);

  const finished = runs.filter(ended);
  const failed = finished.filter((run) => run.status === 'failed').length;
  if (failed > 0) {
    reasons.push({
      code: 'run_failures',
      detail: `${failed} of the last ${finished.length} finished sync runs failed`,
      impact: Math.round((healthWeights.runs * failed) / finished.length),
    });
  }

  const requests = figures.pages + figures.rateLimited;
  const limited = requests > 0 ? figures.rateLimited / requests : 0;
  if (proportional(healthWeights.rateLimited, limited) > 0) {
    reasons.push({
      code: 'rate_limited',
      detail: `the provider rate-limited ${percent(limited)} of the page requests in the last 24 h (${figures.rateLimited} of ${requests})`,
      impact: proportional(healthWeights.rateLimited, limited),
    });
  }

  const inbound = figures.inboundAccepted + figures.inboundRefused;
  const refused = inbound > 0 ? figures.inboundRefused / inbound : 0;
  if (proportional(healthWeights.webhooksRefused, refused) > 0) {
    reasons.push({
      code: 'webhooks_refused',
      detail: `${percent(refused)} of the provider's webhook events in the last 24 h were refused (${figures.inboundRefused} of ${inbound})`,
      impact: proportional(healthWeights.webhooksRefused, refused),
    });
  }

  // The ceilings add up to 100, so the score never goes below 0 and the reasons explain all of it.
  return { score: 100 - reasons.reduce((total, reason) => total + reason.impact, 0), reasons };
}

/** The worst of the credentials' troubles, if any: they are one reason, not several. */
function credentialsReason(connection: Pick<ConnectionItem, 'status' | 'oauth' | 'credentialFields'>, now: Date): HealthReason | undefined {
  if (connection.status === 'auth_failed') {
    return { code: 'auth_failed', detail: 'the provider refused the credentials: update them, or authorize the connection again', impact: healthWeights.credentials };
  }
  // OAuth connections refresh their own tokens while they have a refresh token.
  const expiresAt = connection.oauth?.tokenExpiresAt;
  const refreshable = connection.credentialFields.includes('refreshToken');
  if (expiresAt && !refreshable) {
    const left = Date.parse(expiresAt) - now.getTime();
    if (left <= 0) return { code: 'token_expired', detail: `the access token expired at ${expiresAt} and cannot be refreshed: authorize the connection again`, impact: healthWeights.credentials };
    if (connection.status !== 'error' && left <= tokenExpiringMs) {
      return { code: 'token_expiring', detail: `the access token expires at ${expiresAt} and cannot be refreshed: authorize the connection again`, impact: healthWeights.tokenExpiring };
    }
  }
  if (connection.status === 'error') return { code: 'connection_error', detail: 'the connection is in error', impact: healthWeights.connectionError };
  return undefined;
}
