import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { Alert, AlertListQuery, AlertPath, AlertRule, AlertRuleDeleted, AlertRuleInput, AlertRuleListQuery, AlertRulePatch, AlertRulePath } from './schema';

const tag = 'Alerts';

export const createAlertRuleContract = defineContract({
  summary: 'Create an alert rule: a metric, its aggregate over a window, a threshold, and where to notify',
  tag,
  scope: 'write',
  audit: 'alert_rule.create',
  body: AlertRuleInput,
  responses: {
    201: { description: 'The rule (a Slack URL only as a hint)', schema: AlertRule },
    409: { description: 'The tenant has as many rules as it may have' },
  },
});

export const listAlertRulesContract = defineContract({
  summary: 'List alert rules, newest first',
  tag,
  scope: 'read',
  query: AlertRuleListQuery,
  responses: { 200: { description: 'A page of rules', schema: page(AlertRule) } },
});

export const getAlertRuleContract = defineContract({
  summary: 'Show one alert rule (its ETag is the version for If-Match)',
  tag,
  scope: 'read',
  path: AlertRulePath,
  responses: { 200: { description: 'The rule', schema: AlertRule } },
});

export const updateAlertRuleContract = defineContract({
  summary: 'Change an alert rule; needs If-Match with the current version. Disabling it closes its open alert without a notification',
  tag,
  scope: 'write',
  audit: 'alert_rule.update',
  path: AlertRulePath,
  body: AlertRulePatch,
  responses: {
    200: { description: 'The rule, at its new version', schema: AlertRule },
    412: { description: 'The version moved on; read it again' },
    428: { description: 'If-Match is missing' },
  },
});

export const deleteAlertRuleContract = defineContract({
  summary: 'Delete an alert rule; its open alert is closed without a notification',
  tag,
  scope: 'write',
  audit: 'alert_rule.delete',
  path: AlertRulePath,
  responses: { 200: { description: 'Deleted', schema: AlertRuleDeleted } },
});

export const listAlertsContract = defineContract({
  summary: 'List alerts, newest first; filter by state (firing, acknowledged, resolved) or rule',
  tag,
  scope: 'read',
  query: AlertListQuery,
  responses: { 200: { description: 'A page of alerts', schema: page(Alert) } },
});

export const acknowledgeAlertContract = defineContract({
  summary: 'Acknowledge a firing alert: it is not notified again; it still resolves',
  tag,
  scope: 'write',
  audit: 'alert.acknowledge',
  path: AlertPath,
  responses: {
    200: { description: 'The alert, acknowledged', schema: Alert },
    409: { description: 'The alert is not firing (acknowledged or resolved already)' },
  },
});
