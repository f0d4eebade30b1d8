import * as z from 'zod';
import { families, familyOf, isHistogram, metricNames, type MetricName } from '../metrics/catalog';
import { responseSchema } from '../platform/contract';
import { idPattern } from '../platform/ids';
import { PageQuery } from '../platform/pagination';

export const alertRuleIdPattern = idPattern('arule');
export const alertIdPattern = idPattern('alrt');

/**
 * Limits, so a bad value is a 400 and a rule item stays small: a window of a minute to a
 * day (the minute buckets are kept two days: shared/metrics/catalog.ts), a cooldown of a
 * minute to a week, 1–5 channels, 1–10 email recipients, 100 rules per tenant, a
 * threshold within ±1e15.
 */
export const limits = { windowMinutes: 1440, cooldownMinutes: 10_080, channels: 5, recipients: 10, name: 200, rulesPerTenant: 100, threshold: 1e15 } as const;

/** What a counter is read as (`sum` over the window, or its average per minute) and what a latency histogram is read as. */
export const counterAggregations = ['sum', 'avg_per_minute'] as const;
export const latencyAggregations = ['p50', 'p95', 'p99'] as const;
export const aggregations = [...counterAggregations, ...latencyAggregations] as const;
export type Aggregation = (typeof aggregations)[number];

export const comparisons = ['gt', 'gte', 'lt', 'lte'] as const;
export type Comparison = (typeof comparisons)[number];
export const severities = ['info', 'warning', 'critical'] as const;

/** Which of the metric's series a rule watches: the tenant's total, or one value of one dimension. */
export const scopeTypes = ['all', 'integration', 'connection', 'endpoint'] as const;
const ScopeValue = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'an id: letters, digits, `_ . : -`');
export const AlertScope = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('all') }),
  z.strictObject({ type: z.literal('integration'), id: ScopeValue }),
  z.strictObject({ type: z.literal('connection'), id: ScopeValue }),
  z.strictObject({ type: z.literal('endpoint'), id: ScopeValue }),
]);
export type AlertScope = z.infer<typeof AlertScope>;

/** Slack's incoming webhooks live here and only here: anything else is refused rather than posted to. */
export const slackWebhookPattern = /^https:\/\/hooks\.slack\.com\/(services|workflows|triggers)\/[A-Za-z0-9_\-/]{10,300}$/;

const Email = z.email().max(254);
export const AlertChannelInput = z.discriminatedUnion('type', [
  /** The tenant's webhook endpoints: `alert.triggered` and `alert.resolved` events, signed like every event. */
  z.strictObject({ type: z.literal('webhook') }),
  /** A Slack incoming webhook: sealed at rest, never shown again. */
  z.strictObject({ type: z.literal('slack'), url: z.string().max(400).regex(slackWebhookPattern, 'a Slack incoming-webhook URL (https://hooks.slack.com/services/…)') }),
  z.strictObject({
    type: z.literal('email'),
    to: z.array(Email).min(1).max(limits.recipients).refine((to) => new Set(to.map((a) => a.toLowerCase())).size === to.length, 'lists an address twice'),
  }),
]);
export type AlertChannelInput = z.infer<typeof AlertChannelInput>;

const Channels = z
  .array(AlertChannelInput)
  .min(1, 'at least one channel')
  .max(limits.channels)
  .superRefine((channels, ctx) => {
    for (const type of ['webhook', 'slack'] as const) {
      if (channels.filter((c) => c.type === type).length > 1) ctx.addIssue({ code: 'custom', message: `at most one ${type} channel` });
    }
  });

const Name = z
  .string()
  .min(1)
  .max(limits.name)
  .refine((text) => text.isWellFormed() && !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text), 'no control or bidirectional override characters');

export const MetricField = z.enum(metricNames as [MetricName, ...MetricName[]], { message: `one of ${metricNames.join(', ')}` });

/** Why `aggregation` does not fit `metric`, or undefined. */
export function aggregationProblem(metric: MetricName, aggregation: Aggregation): string | undefined {
  const allowed: readonly string[] = isHistogram(metric) ? latencyAggregations : counterAggregations;
  return allowed.includes(aggregation) ? undefined : `${metric} is ${isHistogram(metric) ? 'a latency' : 'a counter'}: one of ${allowed.join(', ')}`;
}

/** Why `scope` does not fit `metric`'s family (it is not kept by that dimension), or undefined. */
export function scopeProblem(metric: MetricName, scope: AlertScope): string | undefined {
  if (scope.type === 'all') return undefined;
  const kept: readonly string[] = families[familyOf(metric)].dimensions;
  return kept.includes(scope.type) ? undefined : `${metric} is not kept by ${scope.type}; ${kept.length ? `by ${kept.join(', ')} or ` : ''}all`;
}

const ruleFields = {
  name: Name,
  metric: MetricField,
  aggregation: z.enum(aggregations),
  comparison: z.enum(comparisons),
  // DynamoDB keeps numbers from 1e-130 to 1e125 (38 digits): anything a metric can reach fits well inside these bounds.
  threshold: z
    .number()
    .refine((n) => Number.isFinite(n) && Math.abs(n) <= limits.threshold && (n === 0 || Math.abs(n) >= 1e-9), `a number from -${limits.threshold} to ${limits.threshold}, no finer than 1e-9`),
  windowMinutes: z.number().int().min(1).max(limits.windowMinutes),
  scope: AlertScope,
  severity: z.enum(severities),
  cooldownMinutes: z.number().int().min(1).max(limits.cooldownMinutes),
  channels: Channels,
  enabled: z.boolean(),
};

export const AlertRuleInput = z
  .strictObject({
    ...ruleFields,
    scope: ruleFields.scope.default({ type: 'all' }),
    severity: ruleFields.severity.default('warning'),
    cooldownMinutes: ruleFields.cooldownMinutes.default(60),
    enabled: ruleFields.enabled.default(true),
  })
  .superRefine((rule, ctx) => {
    const aggregation = aggregationProblem(rule.metric, rule.aggregation);
    if (aggregation) ctx.addIssue({ code: 'custom', path: ['aggregation'], message: aggregation });
    const scope = scopeProblem(rule.metric, rule.scope);
    if (scope) ctx.addIssue({ code: 'custom', path: ['scope'], message: scope });
  })
  .meta({ id: 'AlertRuleInput' });
export type AlertRuleInput = z.infer<typeof AlertRuleInput>;

/** Any fields of the rule; `metric`, `aggregation` and `scope` are checked together against the stored rule. `channels` replaces the list (a Slack URL is sent again). */
export const AlertRulePatch = z
  .strictObject(Object.fromEntries(Object.entries(ruleFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof ruleFields]: z.ZodOptional<(typeof ruleFields)[K]> })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change')
  .meta({ id: 'AlertRulePatch' });
export type AlertRulePatch = z.infer<typeof AlertRulePatch>;

/** A channel as answered: a Slack URL only as a hint (its last four characters). */
const ChannelView = z.discriminatedUnion('type', [
  z.object({ type: z.literal('webhook') }),
  z.object({ type: z.literal('slack'), urlHint: z.string() }),
  z.object({ type: z.literal('email'), to: z.array(z.string()) }),
]);
export type ChannelView = z.infer<typeof ChannelView>;

export const AlertRule = responseSchema(() =>
  z
    .object({
      id: z.string(),
      name: z.string(),
      metric: z.string(),
      aggregation: z.enum(aggregations),
      comparison: z.enum(comparisons),
      threshold: z.number(),
      windowMinutes: z.number().int(),
      scope: z.object({ type: z.enum(scopeTypes), id: z.string().optional() }),
      severity: z.enum(severities),
      cooldownMinutes: z.number().int(),
      channels: z.array(ChannelView),
      enabled: z.boolean(),
      version: z.number().int(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    })
    .meta({ id: 'AlertRule' }),
);
export type AlertRule = z.infer<ReturnType<typeof AlertRule>>;

export const alertStates = ['firing', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof alertStates)[number];
export const channelTypes = ['webhook', 'slack', 'email'] as const;

const NotificationView = z.object({
  channel: z.enum(channelTypes),
  /** `alert.triggered` or `alert.resolved`. */
  kind: z.enum(['triggered', 'resolved']),
  at: z.iso.datetime(),
  ok: z.boolean(),
  /** Why the channel failed (never a secret: no URL, no address). */
  error: z.string().optional(),
});

export const Alert = responseSchema(() =>
  z
    .object({
      id: z.string(),
      ruleId: z.string(),
      ruleName: z.string(),
      metric: z.string(),
      severity: z.enum(severities),
      state: z.enum(alertStates),
      /** The aggregate when the alert opened, and at its last notification. */
      value: z.number(),
      lastValue: z.number(),
      threshold: z.number(),
      comparison: z.enum(comparisons),
      openedAt: z.iso.datetime(),
      acknowledgedAt: z.iso.datetime().nullable(),
      resolvedAt: z.iso.datetime().nullable(),
      /** When `alert.triggered` last went out for this alert; null while it was held back by the rule's cooldown. */
      notifiedAt: z.iso.datetime().nullable(),
      /** It opened within the cooldown of the rule's previous trigger notification, so no notification went out then. */
      suppressed: z.boolean(),
      /** The last 20 sends, per channel: a failing channel shows here. */
      notifications: z.array(NotificationView),
    })
    .meta({ id: 'Alert' }),
);
export type Alert = z.infer<ReturnType<typeof Alert>>;
export type AlertNotification = z.infer<typeof NotificationView>;

export const AlertRuleDeleted = responseSchema(() => z.object({ id: z.string(), deleted: z.literal(true) }).meta({ id: 'AlertRuleDeleted' }));

export const AlertRulePath = z.strictObject({ id: z.string().regex(alertRuleIdPattern, 'not an alert rule id (arule_…)') });
export const AlertPath = z.strictObject({ id: z.string().regex(alertIdPattern, 'not an alert id (alrt_…)') });
export const AlertRuleListQuery = PageQuery;
export const AlertListQuery = PageQuery.extend({
  state: z.enum(alertStates).optional(),
  ruleId: z.string().regex(alertRuleIdPattern, 'not an alert rule id (arule_…)').optional(),
});
export type AlertListQuery = z.infer<typeof AlertListQuery>;

/** What `alert.triggered` and `alert.resolved` events carry: the alert as the API shows it. */
export const AlertEventData = Alert;
