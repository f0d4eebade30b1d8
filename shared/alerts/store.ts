import { createHash } from 'node:crypto';
import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDb } from '../platform/dynamodb';
import { failedConditions, queryPage, strip, transact, type TableStore, type TransactItem } from '../platform/items';
import type { Sealed } from '../vault/vault';
import type { Aggregation, AlertNotification, AlertScope, AlertState, Comparison } from './schema';
import type { MetricName } from '../metrics/catalog';

/**
 * Alert rules and alerts in the main table; this store is their only writer.
 *
 *   pk TENANT#<t>  sk ALERTRULE#<id>     the rule, and the evaluator's state of it (`stateRev`, the open alert, the last trigger notification)
 *   pk TENANT#<t>  sk ALERTSLACK#<id>    the rule's sealed Slack webhook URL (a top-level sealed item, so key rotation re-seals it)
 *   pk TENANT#<t>  sk ALERTRULES         how many rules the tenant has (the limit is a condition on it)
 *   pk TENANT#<t>  sk ALERT#<id>         an alert (ids are time-ordered: lists page newest first)
 *
 * Index entries (gsi1), so nothing is ever scanned:
 *   ALERTRULES#<shard> / <t>#<rule>      every enabled rule, for the evaluator (spread over `ruleShards`)
 *   ALERTOPEN#<t> / <state>#<alert>      the tenant's open alerts only (`countOpenAlerts` counts them)
 *
 * The evaluator changes a rule's state only if `stateRev` is still the one it read, in the
 * same transaction as the alert and the event it reports, so two evaluators at once never
 * open two alerts nor notify twice.
 */
export type StoredChannel = { type: 'webhook' } | { type: 'slack'; urlHint: string } | { type: 'email'; to: string[] };

export interface AlertRuleItem {
  id: string;
  name: string;
  metric: MetricName;
  aggregation: Aggregation;
  comparison: Comparison;
  threshold: number;
  windowMinutes: number;
  scope: AlertScope;
  severity: 'info' | 'warning' | 'critical';
  cooldownMinutes: number;
  channels: StoredChannel[];
  enabled: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** The evaluator's state; bumped by every change of it. */
  stateRev: number;
  openAlertId: string | null;
  openState: 'firing' | 'acknowledged' | null;
  /** The last `alert.triggered` notification of any of the rule's alerts: the cooldown counts from it. */
  lastNotifiedAt: string | null;
}

export type RuleChanges = Partial<Omit<AlertRuleItem, 'id' | 'version' | 'createdAt' | 'stateRev' | 'openAlertId' | 'openState' | 'lastNotifiedAt'>> & { updatedAt: string };

export interface AlertItem {
  id: string;
  ruleId: string;
  ruleName: string;
  metric: MetricName;
  severity: AlertRuleItem['severity'];
  state: AlertState;
  value: number;
  lastValue: number;
  threshold: number;
  comparison: Comparison;
  openedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  notifiedAt: string | null;
  suppressed: boolean;
  notifications: AlertNotification[];
}

export interface SlackSecretItem extends Sealed {
  tenantId: string;
  ruleId: string;
}

/** What the evaluator sets on the rule with a transition. */
export type RuleStateChange = Pick<AlertRuleItem, 'openAlertId' | 'openState'> & { lastNotifiedAt?: string };
/** The alert a transition writes: a new one, or fields of the open one (`close` takes it out of the open index). */
export type AlertWrite = { put: AlertItem } | { update: { id: string; set: Partial<AlertItem>; state: AlertState } };

/** `raced`: the version held but the evaluator changed the rule's state meanwhile (read it again). */
export type RuleOutcome = 'done' | 'missing' | 'stale' | 'raced';

export interface AlertStore {
  readonly table: string;
  /** `limit`: the tenant has `maxRules` already; `raced`: a condition of `also` failed. */
  createRule(tenantId: string, rule: AlertRuleItem, slack: SlackSecretItem | undefined, maxRules: number, also: TransactItem[]): Promise<'created' | 'limit' | 'raced'>;
  getRule(tenantId: string, id: string): Promise<AlertRuleItem | undefined>;
  listRules(tenantId: string, query: { limit: number; cursor?: string }): Promise<{ items: AlertRuleItem[]; nextCursor: string | null }>;
  /**
   * `slack`: a new sealed URL, null to drop it, undefined to keep it. `resolveOpen`: the rule
   * as read, whose open alert (if any) is closed quietly with the change, if its state is
   * still the one read (else `raced`).
   */
  updateRule(tenantId: string, id: string, expectedVersion: number, changes: RuleChanges, slack: SlackSecretItem | null | undefined, resolveOpen: AlertRuleItem | undefined, also: TransactItem[]): Promise<RuleOutcome>;
  deleteRule(tenantId: string, rule: AlertRuleItem, at: string, also: TransactItem[]): Promise<boolean>;
  slackSecret(tenantId: string, ruleId: string): Promise<SlackSecretItem | undefined>;
  /** Every enabled rule of every tenant, from the index (eventually consistent), page by page. */
  enabledRules(): AsyncIterable<Array<{ tenantId: string; rule: AlertRuleItem }>>;
  /** Moves the rule's state on if it is still at `readRev`, with the alert and `also`; false when another evaluator (or an acknowledgement) got there first. */
  transition(tenantId: string, ruleId: string, readRev: number, change: RuleStateChange, alert: AlertWrite, also: TransactItem[]): Promise<boolean>;
  getAlert(tenantId: string, id: string): Promise<AlertItem | undefined>;
  listAlerts(tenantId: string, query: { limit: number; cursor?: string; state?: AlertState; ruleId?: string }): Promise<{ items: AlertItem[]; nextCursor: string | null }>;
  acknowledge(tenantId: string, alert: AlertItem, at: string, also: TransactItem[]): Promise<boolean>;
  /** Replaces the alert's notification log (the evaluator that made the transition is its only writer then). */
  recordNotifications(tenantId: string, alertId: string, notifications: AlertNotification[]): Promise<void>;
}

/** The evaluator's index is spread over this many partitions (a hot partition takes ~1,000 writes a second). */
export const ruleShards = 8;

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const ruleKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: `ALERTRULE#${id}` });
const slackKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: `ALERTSLACK#${id}` });
const countKey = (tenantId: string) => ({ pk: pk(tenantId), sk: 'ALERTRULES' });
const alertKey = (tenantId: string, id: string) => ({ pk: pk(tenantId), sk: `ALERT#${id}` });
const openIndex = (tenantId: string, state: AlertState, id: string) => ({ gsi1pk: `ALERTOPEN#${tenantId}`, gsi1sk: `${state}#${id}` });
const ruleIndex = (tenantId: string, id: string) => ({
  gsi1pk: `ALERTRULES#${createHash('sha256').update(`${tenantId}#${id}`).digest()[0]! % ruleShards}`,
  gsi1sk: `${tenantId}#${id}`,
});

const withoutIndex = <T>(item: Record<string, unknown>): T => {
  const { gsi1pk: _p, gsi1sk: _s, ...rest } = strip<Record<string, unknown>>(item);
  return rest as T;
};

/** SET clauses for `fields` (undefined ones left out), named `#f`/`:f` with `tag` so two lists never collide. */
function sets(fields: Record<string, unknown>, tag: string, names: Record<string, string>, values: Record<string, unknown>): string[] {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => {
      names[`#${tag}${field}`] = field;
      values[`:${tag}${field}`] = value;
      return `#${tag}${field} = :${tag}${field}`;
    });
}

/**
 * The tenant's open alerts, firing and acknowledged, from the open-alert index: two COUNT
 * queries that read only open alerts' index entries (eventually consistent). For the overview.
 */
export async function countOpenAlerts(deps: { db: DynamoDb; table: string }, tenantId: string): Promise<{ firing: number; acknowledged: number }> {
  const count = async (state: 'firing' | 'acknowledged') => {
    let total = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const answer = await deps.db.query({
        TableName: deps.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :state)',
        ExpressionAttributeValues: { ':pk': `ALERTOPEN#${tenantId}`, ':state': `${state}#` },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      total += answer.Count ?? 0;
      start = answer.LastEvaluatedKey;
    } while (start);
    return total;
  };
  const [firing, acknowledged] = await Promise.all([count('firing'), count('acknowledged')]);
  return { firing, acknowledged };
}

/** The quiet close of an open alert, for the transaction that disables or deletes its rule: no notification. */
function closeOpenAlert(table: string, tenantId: string, alertId: string, at: string): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: alertKey(tenantId, alertId),
      UpdateExpression: 'SET #state = :resolved, resolvedAt = :at REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':resolved': 'resolved', ':at': at },
    },
  };
}

export function alertStore(store: TableStore): AlertStore {
  const table = store.table;
  const getRule = async (tenantId: string, id: string) => {
    const { Item } = await store.db.get({ TableName: table, Key: ruleKey(tenantId, id), ConsistentRead: true });
    return Item ? withoutIndex<AlertRuleItem>(Item) : undefined;
  };
  return {
    table,
    getRule,
    async createRule(tenantId, rule, slack, maxRules, also) {
      const failed = await failedConditions(store, [
        {
          Update: {
            TableName: table,
            Key: countKey(tenantId),
            UpdateExpression: 'ADD #count :one',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1, ':max': maxRules },
          },
        },
        {
          Put: {
            TableName: table,
            Item: { ...ruleKey(tenantId, rule.id), ...rule, ...(rule.enabled ? ruleIndex(tenantId, rule.id) : {}) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(slack ? [{ Put: { TableName: table, Item: { ...slackKey(tenantId, rule.id), ...slack } } }] : []),
        ...also,
      ]);
      if (failed === undefined) return 'created';
      return failed.includes(0) ? 'limit' : 'raced';
    },
    listRules: (tenantId, query) =>
      queryPage<Record<string, unknown>>(store, { pk: pk(tenantId), prefix: 'ALERTRULE#', limit: query.limit, cursor: query.cursor }).then(({ items, nextCursor }) => ({
        items: items.map((item) => withoutIndex<AlertRuleItem>(item)),
        nextCursor,
      })),
    async updateRule(tenantId, id, expectedVersion, changes, slack, resolveOpen, also) {
      const names: Record<string, string> = { '#version': 'version', '#stateRev': 'stateRev' };
      const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1 };
      const clauses = sets(changes, 'c_', names, values);
      const removes: string[] = [];
      if (changes.enabled === true) clauses.push(...sets(ruleIndex(tenantId, id), 'i_', names, values));
      if (changes.enabled === false) removes.push('gsi1pk', 'gsi1sk');
      const closing = resolveOpen?.openAlertId ?? undefined;
      if (closing) clauses.push(...sets({ openAlertId: null, openState: null }, 's_', names, values));
      // An alert the evaluator opened after the read must not be left open on a disabled rule.
      if (resolveOpen) values[':readRev'] = resolveOpen.stateRev;
      const items: TransactItem[] = [
        {
          Update: {
            TableName: table,
            Key: ruleKey(tenantId, id),
            // The state moves on with every change, so an evaluator that read the rule before it writes nothing.
            UpdateExpression: `SET ${clauses.join(', ')} ADD #version :one, #stateRev :one${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: `attribute_exists(pk) AND #version = :expected${resolveOpen ? ' AND #stateRev = :readRev' : ''}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
        },
        ...(slack === null ? [{ Delete: { TableName: table, Key: slackKey(tenantId, id) } }] : []),
        ...(slack ? [{ Put: { TableName: table, Item: { ...slackKey(tenantId, id), ...slack } } }] : []),
        ...(closing ? [closeOpenAlert(table, tenantId, closing, changes.updatedAt)] : []),
        ...also,
      ];
      if (await transact(store, items)) return 'done';
      const now = await getRule(tenantId, id);
      if (!now) return 'missing';
      return now.version === expectedVersion ? 'raced' : 'stale';
    },
    deleteRule: (tenantId, rule, at, also) =>
      transact(store, [
        {
          Delete: {
            TableName: table,
            Key: ruleKey(tenantId, rule.id),
            // As read: an alert opened meanwhile is closed by the delete that sees it.
            ConditionExpression: 'attribute_exists(pk) AND stateRev = :rev',
            ExpressionAttributeValues: { ':rev': rule.stateRev },
          },
        },
        { Delete: { TableName: table, Key: slackKey(tenantId, rule.id) } },
        {
          Update: {
            TableName: table,
            Key: countKey(tenantId),
            UpdateExpression: 'ADD #count :minus',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minus': -1 },
          },
        },
        ...(rule.openAlertId ? [closeOpenAlert(table, tenantId, rule.openAlertId, at)] : []),
        ...also,
      ]),
    async slackSecret(tenantId, ruleId) {
      const { Item } = await store.db.get({ TableName: table, Key: slackKey(tenantId, ruleId), ConsistentRead: true });
      return Item ? strip<SlackSecretItem>(Item) : undefined;
    },
    async *enabledRules() {
      for (let shard = 0; shard < ruleShards; shard++) {
        const pages = paginateQuery(
          { client: store.db, pageSize: 500 },
          { TableName: table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :shard', ExpressionAttributeValues: { ':shard': `ALERTRULES#${shard}` } },
        );
        for await (const page of pages) {
          yield (page.Items ?? []).map((item) => ({ tenantId: String(item.pk).replace(/^TENANT#/, ''), rule: withoutIndex<AlertRuleItem>(item) }));
        }
      }
    },
    async transition(tenantId, ruleId, readRev, change, alert, also) {
      const names: Record<string, string> = { '#stateRev': 'stateRev' };
      const values: Record<string, unknown> = { ':rev': readRev, ':one': 1, ':true': true };
      const clauses = sets(change, 'r_', names, values);
      const ruleUpdate: TransactItem = {
        Update: {
          TableName: table,
          Key: ruleKey(tenantId, ruleId),
          UpdateExpression: `SET ${clauses.join(', ')} ADD #stateRev :one`,
          ConditionExpression: 'attribute_exists(pk) AND #stateRev = :rev AND enabled = :true',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
      let alertWrite: TransactItem;
      if ('put' in alert) {
        const item = alert.put;
        alertWrite = { Put: { TableName: table, Item: { ...alertKey(tenantId, item.id), ...item, ...openIndex(tenantId, item.state, item.id) }, ConditionExpression: 'attribute_not_exists(pk)' } };
      } else {
        const alertNames: Record<string, string> = {};
        const alertValues: Record<string, unknown> = {};
        const open = alert.update.state !== 'resolved';
        const clauses = sets({ ...alert.update.set, state: alert.update.state, ...(open ? openIndex(tenantId, alert.update.state, alert.update.id) : {}) }, 'a_', alertNames, alertValues);
        alertWrite = {
          Update: {
            TableName: table,
            Key: alertKey(tenantId, alert.update.id),
            UpdateExpression: `SET ${clauses.join(', ')}${open ? '' : ' REMOVE gsi1pk, gsi1sk'}`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: alertNames,
            ExpressionAttributeValues: alertValues,
          },
        };
      }
      return transact(store, [ruleUpdate, alertWrite, ...also]);
    },
    async getAlert(tenantId, id) {
      const { Item } = await store.db.get({ TableName: table, Key: alertKey(tenantId, id), ConsistentRead: true });
      return Item ? withoutIndex<AlertItem>(Item) : undefined;
    },
    listAlerts: (tenantId, query) =>
      queryPage<Record<string, unknown>>(store, {
        pk: pk(tenantId),
        prefix: 'ALERT#',
        limit: query.limit,
        cursor: query.cursor,
        equals: { state: query.state, ruleId: query.ruleId },
      }).then(({ items, nextCursor }) => ({ items: items.map((item) => withoutIndex<AlertItem>(item)), nextCursor })),
    acknowledge: (tenantId, alert, at, also) =>
      transact(store, [
        {
          Update: {
            TableName: table,
            Key: alertKey(tenantId, alert.id),
            UpdateExpression: 'SET #state = :ack, acknowledgedAt = :at, gsi1sk = :sk',
            ConditionExpression: '#state = :firing',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':ack': 'acknowledged', ':firing': 'firing', ':at': at, ':sk': openIndex(tenantId, 'acknowledged', alert.id).gsi1sk },
          },
        },
        {
          // The rule's state moves on too, so an evaluator that read `firing` does not notify again.
          Update: {
            TableName: table,
            Key: ruleKey(tenantId, alert.ruleId),
            UpdateExpression: 'SET openState = :ack ADD stateRev :one',
            ConditionExpression: 'openAlertId = :id',
            ExpressionAttributeValues: { ':ack': 'acknowledged', ':id': alert.id, ':one': 1 },
          },
        },
        ...also,
      ]),
    async recordNotifications(tenantId, alertId, notifications) {
      await store.db.update({
        TableName: table,
        Key: alertKey(tenantId, alertId),
        UpdateExpression: 'SET notifications = :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':n': notifications },
      });
    },
  };
}
