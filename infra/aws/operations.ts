import { Duration, Stack, type NestedStack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { commonFunctionEnv, metricsNamespace, type Declaration } from '../declaration';
import { pascalCase } from './names';
import type { DeployedResources } from './resources';

/** The CDK context value naming who gets the operator's alarm emails (`-c alarmEmail=ops@example.com`); optional. */
export const alarmEmailSetting = 'alarmEmail';

/**
 * What the operator of a deployment watches: one SNS topic that every alarm of the stack
 * (nested stacks included) notifies, an email subscription to it when `alarmEmail` is
 * set, the stack-wide alarms no single function owns, and a CloudWatch dashboard.
 *
 * The functions' own metrics (embedded metric format, namespace `Junction`) carry only the
 * `service` dimension: a tenant id as a dimension would make every (tenant, metric) pair a
 * custom metric at $0.30 a month each (docs/monitoring.md works it out); tenants read
 * their own figures from `GET /v1/metrics` instead.
 */
export function createOperations(
  stack: Stack,
  input: { declaration: Declaration; functions: Record<string, NodejsFunction>; resources: DeployedResources; stage: apigw.HttpStage; nested: NestedStack[] },
): { topic: sns.Topic; dashboard: cloudwatch.Dashboard } {
  const { declaration, functions, resources, stage } = input;
  const topic = new sns.Topic(stack, 'AlarmTopic', {
    displayName: `${stack.stackName} alarms`,
    masterKey: resources.storageKey,
    enforceSSL: true,
  });
  // CloudWatch publishes to an encrypted topic only when it may use the topic's key.
  resources.storageKey.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
  const email = alarmEmail(stack);
  if (email) topic.addSubscription(new subscriptions.EmailSubscription(email));

  const junction = (metricName: string, statistic: string = cloudwatch.Stats.SUM) =>
    new cloudwatch.Metric({ namespace: metricsNamespace, metricName, dimensionsMap: { service: commonFunctionEnv.POWERTOOLS_SERVICE_NAME }, period: Duration.minutes(5), statistic });
  const fiveMinutes = { period: Duration.minutes(5) };

  // ---- The stack-wide alarms (each function's errors and throttles, and each DLQ, alarm where they are made).
  const apiErrors = stage.metricServerError({ ...fiveMinutes, statistic: cloudwatch.Stats.SUM });
  apiErrors.createAlarm(stack, 'ApiServerErrorsAlarm', {
    alarmDescription: 'The API answered 5xx five or more times in five minutes: a bug or a failing dependency (see GET /v1/health).',
    threshold: 5,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const apiLatency = stage.metricLatency({ ...fiveMinutes, statistic: 'p99' });
  apiLatency.createAlarm(stack, 'ApiLatencyAlarm', {
    alarmDescription: 'The API\'s p99 latency stayed above 3 s for 15 minutes.',
    threshold: 3000,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const [name, queue] of Object.entries(resources.queues)) {
    const declared = declaration.resources.queues[name]!;
    // A message older than a few of its visibility timeouts has been tried and put back
    // several times, or nothing consumes the queue.
    const ageLimit = Math.max(900, 3 * declared.visibilityTimeoutSeconds);
    queue.metricApproximateAgeOfOldestMessage({ ...fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }).createAlarm(stack, `${pascalCase(name)}QueueAgeAlarm`, {
      alarmDescription: `The oldest message of the ${name} queue waited more than ${ageLimit} s: its consumer is failing, throttled or stopped.`,
      threshold: ageLimit,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
  const webhookFailureRate = new cloudwatch.MathExpression({
    expression: 'IF(attempts >= 20, 100 * failures / attempts, 0)',
    usingMetrics: { attempts: junction('WebhookAttempts'), failures: junction('WebhookFailures') },
    label: 'webhook attempts failed (%)',
    period: Duration.minutes(15),
  });
  webhookFailureRate.createAlarm(stack, 'WebhookFailureRateAlarm', {
    alarmDescription: 'More than a quarter of webhook delivery attempts failed over 15 minutes (at least 20 attempts): receivers down, or the delivery worker failing.',
    threshold: 25,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const [name, table] of Object.entries(resources.tables)) {
    const throttles = table.metricThrottledRequestsForOperations({
      operations: [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM, dynamodb.Operation.UPDATE_ITEM, dynamodb.Operation.QUERY, dynamodb.Operation.BATCH_WRITE_ITEM, dynamodb.Operation.TRANSACT_WRITE_ITEMS],
      ...fiveMinutes,
      label: `${name} throttled`,
    });
    new cloudwatch.Alarm(stack, `${pascalCase(name)}TableThrottlesAlarm`, {
      metric: throttles,
      alarmDescription: `DynamoDB throttled requests to the ${name} table for 15 minutes: a hot key, or on-demand capacity still scaling.`,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
  // On a graph, the tables' read and write throttle events (the per-operation expressions above share ids between tables).
  const tableThrottles = Object.entries(resources.tables).flatMap(([name, table]) =>
    (['ReadThrottleEvents', 'WriteThrottleEvents'] as const).map((metricName) => table.metric(metricName, { ...fiveMinutes, statistic: cloudwatch.Stats.SUM, label: `${name} ${metricName}` })),
  );

  // Every alarm in the stack and its nested stacks, whoever made it, notifies the topic.
  const action = new SnsAction(topic);
  for (const scope of [stack, ...input.nested] as Construct[]) {
    for (const child of scope.node.findAll()) {
      if (child instanceof cloudwatch.Alarm && Stack.of(child) === Stack.of(scope)) {
        child.addAlarmAction(action);
        child.addOkAction(action);
      }
    }
  }

  // ---- The dashboard.
  const byKind = (kind: string) => Object.entries(functions).filter(([name]) => declaration.functions[name]!.kind === kind);
  const workers = [...byKind('consumer'), ...byKind('stream'), ...byKind('schedule')];
  const queues = Object.entries(resources.queues);
  const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard', {
    dashboardName: `${stack.stackName}-operations`,
    defaultInterval: Duration.hours(3),
  });
  const wide = { width: 12, height: 6 };
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'API requests and errors',
      left: [stage.metricCount({ ...fiveMinutes, statistic: cloudwatch.Stats.SUM }), stage.metricClientError({ ...fiveMinutes, statistic: cloudwatch.Stats.SUM }), apiErrors],
    }),
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'API latency (ms)',
      left: ['p50', 'p95', 'p99'].map((statistic) => stage.metricLatency({ ...fiveMinutes, statistic, label: `latency ${statistic}` })),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'Queue depths',
      left: queues.map(([name, queue]) => queue.metricApproximateNumberOfMessagesVisible({ ...fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM, label: name })),
    }),
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'Oldest message age (s)',
      left: queues.map(([name, queue]) => queue.metricApproximateAgeOfOldestMessage({ ...fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM, label: name })),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'Dead-letter queues',
      left: queues.flatMap(([name, queue]) =>
        queue.deadLetterQueue ? [queue.deadLetterQueue.queue.metricApproximateNumberOfMessagesVisible({ ...fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM, label: `${name} DLQ` })] : [],
      ),
    }),
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'Worker errors',
      left: workers.map(([name, fn]) => fn.metricErrors({ ...fiveMinutes, statistic: cloudwatch.Stats.SUM, label: name })),
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'Syncs: stalled runs, failed runs, records',
      left: [junction('SyncRunsStalled'), junction('SyncRunsFailed'), junction('ScheduledSyncsFailed')],
      right: [junction('SyncRecords')],
    }),
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'Webhooks: attempts, failures, failure rate',
      left: [junction('WebhookAttempts'), junction('WebhookFailures')],
      right: [webhookFailureRate],
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      ...wide,
      title: 'Throttles: functions and tables',
      left: Object.entries(functions).map(([name, fn]) => fn.metricThrottles({ ...fiveMinutes, statistic: cloudwatch.Stats.SUM, label: name })),
      right: tableThrottles,
    }),
    new cloudwatch.AlarmStatusWidget({
      ...wide,
      // The stack-wide alarms; each function's own are on its page (a widget shows at most 100).
      title: 'Stack-wide alarms',
      alarms: stack.node.findAll().filter((child): child is cloudwatch.Alarm => child instanceof cloudwatch.Alarm && Stack.of(child) === stack),
    }),
  );
  return { topic, dashboard };
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function alarmEmail(scope: Construct): string | undefined {
  const value: unknown = scope.node.tryGetContext(alarmEmailSetting);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !emailPattern.test(value)) {
    throw new Error(`the CDK context value "${alarmEmailSetting}" must be an email address for the alarm topic's subscription, not ${JSON.stringify(value)}`);
  }
  return value;
}
