import { changeRecords, type Audit } from '../platform/audit';
import { Conflict, Invalid, NotFound, PreconditionFailed } from '../platform/errors';
import { newId } from '../platform/ids';
import type { Vault, VaultContext } from '../vault/vault';
import {
  aggregationProblem,
  limits,
  scopeProblem,
  type Alert,
  type AlertChannelInput,
  type AlertListQuery,
  type AlertRule,
  type AlertRuleInput,
  type AlertRulePatch,
  type ChannelView,
} from './schema';
import type { AlertItem, AlertRuleItem, AlertStore, SlackSecretItem, StoredChannel } from './store';

export interface AlertApiDeps {
  store: AlertStore;
  /** Seals a rule's Slack URL (only routes that take one need it). */
  vault?: Pick<Vault, 'seal'>;
  now?: () => Date;
}

const nowOf = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

const slackPurpose = 'alert-slack-webhook';
/** A Slack URL is bound to its tenant and rule: copied onto another rule's item it does not open. */
export const slackContext = (tenantId: string, ruleId: string): VaultContext => ({ tenantId, connectionId: ruleId, purpose: slackPurpose });

/** The last four characters only: enough to tell two URLs apart, never enough to post to one. */
const urlHint = (url: string) => `https://hooks.slack.com/…${url.slice(-4)}`;

async function storedChannels(deps: AlertApiDeps, tenantId: string, ruleId: string, channels: AlertChannelInput[]): Promise<{ channels: StoredChannel[]; slack?: SlackSecretItem }> {
  let slack: SlackSecretItem | undefined;
  const stored: StoredChannel[] = [];
  for (const channel of channels) {
    if (channel.type === 'slack') {
      if (!deps.vault) throw new Error('sealing a Slack URL needs the vault');
      slack = { ...(await deps.vault.seal(channel.url, slackContext(tenantId, ruleId))), tenantId, ruleId };
      stored.push({ type: 'slack', urlHint: urlHint(channel.url) });
    } else stored.push(channel);
  }
  return { channels: stored, ...(slack ? { slack } : {}) };
}

export async function createAlertRule(deps: AlertApiDeps, audit: Audit, input: AlertRuleInput): Promise<AlertRule> {
  const at = nowOf(deps).toISOString();
  const id = newId('arule');
  const { channels, slack } = await storedChannels(deps, audit.tenantId, id, input.channels);
  const rule: AlertRuleItem = {
    id,
    name: input.name,
    metric: input.metric,
    aggregation: input.aggregation,
    comparison: input.comparison,
    threshold: input.threshold,
    windowMinutes: input.windowMinutes,
    scope: input.scope,
    severity: input.severity,
    cooldownMinutes: input.cooldownMinutes,
    channels,
    enabled: input.enabled,
    version: 1,
    createdAt: at,
    updatedAt: at,
    stateRev: 0,
    openAlertId: null,
    openState: null,
    lastNotifiedAt: null,
  };
  const outcome = await deps.store.createRule(audit.tenantId, rule, slack, limits.rulesPerTenant, changeRecords(deps.store.table, audit, id, at, 201));
  if (outcome === 'limit') throw new Conflict(`a tenant may have ${limits.rulesPerTenant} alert rules; delete one first`);
  if (outcome === 'raced') throw new Conflict('the rule was not created: a concurrent request with the same Idempotency-Key got there first; retry');
  return ruleView(rule);
}

export async function getAlertRule(deps: Pick<AlertApiDeps, 'store'>, tenantId: string, id: string): Promise<AlertRule> {
  return ruleView(await ruleItem(deps, tenantId, id));
}

export async function listAlertRules(deps: Pick<AlertApiDeps, 'store'>, tenantId: string, query: { limit: number; cursor?: string }) {
  const { items, nextCursor } = await deps.store.listRules(tenantId, query);
  return { data: items.map(ruleView), nextCursor };
}

/**
 * Applies a patch if `ifMatch` is still the stored version. The metric, aggregation and
 * scope are checked together, as they will be: a patch of one of them that no longer
 * fits the others is a 400 naming the field. Disabling a rule closes its open alert
 * without a notification (nobody evaluates it any more).
 */
export async function updateAlertRule(deps: AlertApiDeps, audit: Audit, id: string, ifMatch: number, patch: AlertRulePatch): Promise<AlertRule> {
  for (let tries = 0; ; tries++) {
    const current = await ruleItem(deps, audit.tenantId, id);
    if (current.version !== ifMatch) throw stale(id, ifMatch, current.version);
    const updated = await applyPatch(deps, audit, current, ifMatch, patch);
    if (updated) return updated;
    // The evaluator moved the rule's state on while it was being disabled: read it again.
    if (tries >= 2) throw new Conflict(`alert rule ${id} kept changing while it was being updated; retry`);
  }
}

async function applyPatch(deps: AlertApiDeps, audit: Audit, current: AlertRuleItem, ifMatch: number, patch: AlertRulePatch): Promise<AlertRule | undefined> {
  const id = current.id;
  const metric = patch.metric ?? current.metric;
  const aggregation = aggregationProblem(metric, patch.aggregation ?? current.aggregation);
  if (aggregation) throw new Invalid(`the aggregation does not fit the metric: ${aggregation}`, [{ field: 'body.aggregation', message: aggregation }]);
  const scope = scopeProblem(metric, patch.scope ?? current.scope);
  if (scope) throw new Invalid(`the scope does not fit the metric: ${scope}`, [{ field: 'body.scope', message: scope }]);
  const at = nowOf(deps).toISOString();
  const { channels: channelInput, ...rest } = patch;
  let slack: SlackSecretItem | null | undefined;
  let channels: StoredChannel[] | undefined;
  if (channelInput) {
    const stored = await storedChannels(deps, audit.tenantId, id, channelInput);
    channels = stored.channels;
    slack = stored.slack ?? null;
  }
  const changes = { ...rest, ...(channels ? { channels } : {}), updatedAt: at };
  const resolveOpen = patch.enabled === false ? current : undefined;
  const outcome = await deps.store.updateRule(audit.tenantId, id, ifMatch, changes, slack, resolveOpen, changeRecords(deps.store.table, audit, id, at));
  if (outcome === 'missing') throw new NotFound(`no alert rule ${id}`);
  if (outcome === 'stale') throw stale(id, ifMatch, (await deps.store.getRule(audit.tenantId, id))?.version ?? ifMatch + 1);
  if (outcome === 'raced') return undefined;
  return ruleView({ ...current, ...changes, version: ifMatch + 1 } as AlertRuleItem);
}

/** Deletes the rule and its sealed Slack URL; its open alert is closed without a notification. */
export async function deleteAlertRule(deps: Pick<AlertApiDeps, 'store' | 'now'>, audit: Audit, id: string): Promise<{ id: string; deleted: true }> {
  for (let tries = 0; tries < 3; tries++) {
    const rule = await ruleItem(deps, audit.tenantId, id);
    const at = nowOf(deps).toISOString();
    // False when the evaluator moved the rule's state on meanwhile (or it is gone): read again.
    if (await deps.store.deleteRule(audit.tenantId, rule, at, changeRecords(deps.store.table, audit, id, at))) return { id, deleted: true };
  }
  throw new Conflict(`alert rule ${id} kept changing while it was being deleted; retry`);
}

export async function listAlerts(deps: Pick<AlertApiDeps, 'store'>, tenantId: string, query: AlertListQuery) {
  const { items, nextCursor } = await deps.store.listAlerts(tenantId, query);
  return { data: items.map(alertView), nextCursor };
}

/** Marks a firing alert acknowledged: no more repeats of it; it still resolves (and says so). */
export async function acknowledgeAlert(deps: Pick<AlertApiDeps, 'store' | 'now'>, audit: Audit, id: string): Promise<Alert> {
  const alert = await deps.store.getAlert(audit.tenantId, id);
  if (!alert) throw new NotFound(`no alert ${id}`);
  if (alert.state !== 'firing') throw new Conflict(`alert ${id} is ${alert.state}; only a firing alert can be acknowledged`);
  const at = nowOf(deps).toISOString();
  if (!(await deps.store.acknowledge(audit.tenantId, alert, at, changeRecords(deps.store.table, audit, id, at)))) {
    const now = await deps.store.getAlert(audit.tenantId, id);
    throw new Conflict(`alert ${id} is ${now?.state ?? 'gone'}; only a firing alert can be acknowledged`);
  }
  return alertView({ ...alert, state: 'acknowledged', acknowledgedAt: at });
}

async function ruleItem(deps: Pick<AlertApiDeps, 'store'>, tenantId: string, id: string) {
  const rule = await deps.store.getRule(tenantId, id);
  if (!rule) throw new NotFound(`no alert rule ${id}`);
  return rule;
}

/** The API's view: named fields only (never the evaluator's state, never a Slack URL). */
export function ruleView(item: AlertRuleItem): AlertRule {
  return {
    id: item.id,
    name: item.name,
    metric: item.metric,
    aggregation: item.aggregation,
    comparison: item.comparison,
    threshold: item.threshold,
    windowMinutes: item.windowMinutes,
    scope: item.scope,
    severity: item.severity,
    cooldownMinutes: item.cooldownMinutes,
    channels: item.channels.map((c): ChannelView => (c.type === 'email' ? { type: 'email', to: c.to } : c.type === 'slack' ? { type: 'slack', urlHint: c.urlHint } : { type: 'webhook' })),
    enabled: item.enabled,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

export function alertView(item: AlertItem): Alert {
  return {
    id: item.id,
    ruleId: item.ruleId,
    ruleName: item.ruleName,
    metric: item.metric,
    severity: item.severity,
    state: item.state,
    value: item.value,
    lastValue: item.lastValue,
    threshold: item.threshold,
    comparison: item.comparison,
    openedAt: item.openedAt,
    acknowledgedAt: item.acknowledgedAt,
    resolvedAt: item.resolvedAt,
    notifiedAt: item.notifiedAt,
    suppressed: item.suppressed,
    notifications: item.notifications ?? [],
  };
}

function stale(id: string, expected: number, actual: number) {
  return new PreconditionFailed(`alert rule ${id} is at version ${actual}, not ${expected}; read it again and retry`);
}
