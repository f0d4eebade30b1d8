import { CfnOutput, Duration, NestedStack, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consumedQueue, settingsEnv, streamedTable, type ConsumerDeclaration, type Declaration, type StreamDeclaration } from '../declaration';
import { createHttpApi } from './api';
import { createFunction } from './functions';
import { bindAccess } from './grants';
import { createOperations } from './operations';
import { pascalCase } from './names';
import { createResources, type DeployedResources } from './resources';
import { deploySettings, maxConcurrency } from './settings';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface JunctionStackProps extends StackProps {
  declaration: Declaration;
}

/**
 * Everything Junction deploys, read from one declaration of functions and resources. This
 * stack holds what the functions share (tables, queues, keys, bucket), the HTTP API with its
 * stage and authorizer, and the outputs; each domain's functions, with their roles, alarms,
 * triggers and routes, sit in a nested stack of their own. A function costs about nine
 * resources, and CloudFormation takes at most 500 per stack
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
 * one stack would stop at about 50 functions, a stack per domain grows with that domain only.
 */
export class JunctionStack extends Stack {
  readonly resources: DeployedResources;
  readonly functions: Record<string, NodejsFunction>;

  constructor(scope: Construct, id: string, props: JunctionStackProps) {
    super(scope, id, props);
    const { declaration } = props;
    // Context is read here, in the parent, and its values handed down to the nested stacks.
    const settings = deploySettings(this);
    const deployed = createResources(this, declaration.resources, declaration.api, { eventDays: settings.eventRetentionDays });
    this.resources = deployed;

    const domains: Record<string, NestedStack> = {};
    this.functions = {};
    for (const [name, declared] of Object.entries(declaration.functions)) {
      const domain = domainOf(declared.entry);
      const nested = (domains[domain] ??= new NestedStack(this, `${pascalCase(domain)}Functions`, {
        description: `Junction: the ${domain} functions`,
      }));
      const fn = createFunction(nested, name, declared, repoRoot);
      bindAccess(fn, declared.access, deployed);
      for (const [variable, value] of Object.entries(settingsEnv(declared, settings))) fn.addEnvironment(variable, value);
      if (declared.kind === 'consumer') {
        fn.addEventSource(consumerSource(this, name, declared, declaration, deployed));
      }
      if (declared.kind === 'stream') {
        fn.addEventSource(streamSource(nested, name, declared, declaration, deployed));
      }
      if (declared.kind === 'schedule') {
        new events.Rule(nested, `${pascalCase(name)}Schedule`, {
          schedule: events.Schedule.expression(declared.expression),
          targets: [new targets.LambdaFunction(fn)],
        });
      }
      this.functions[name] = fn;
    }

    const stage = createHttpApi(this, declaration, this.functions, settings.stageThrottle);
    // Last, so that every alarm made above (and in the nested stacks) notifies its topic.
    const operations = createOperations(this, { declaration, functions: this.functions, resources: deployed, stage, nested: Object.values(domains) });

    // The admin CLI and scripts find the deployed resources by these names.
    new CfnOutput(this, 'ApiUrl', { value: stage.url });
    for (const [name, table] of Object.entries(deployed.tables)) {
      new CfnOutput(this, `${pascalCase(name)}TableName`, { value: table.tableName });
    }
    if (declaration.resources.bucket && deployed.bucket) {
      new CfnOutput(this, `${pascalCase(declaration.resources.bucket.name)}BucketName`, {
        value: deployed.bucket.bucketName,
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: operations.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: operations.dashboard.dashboardName });
    // The vault's key, as KEY_ARN: rotate-credentials-key re-seals onto it.
    new CfnOutput(this, 'KeyArn', { value: deployed.key.keyArn });
  }
}

/**
 * The domain a function is deployed with: the folder of its entry, `functions/oauth/callback.ts`
 * → `oauth`. Test fixtures (`tests/fixtures/functions/tick.ts`) follow the same rule and
 * land together in a `functions` domain.
 */
export function domainOf(entry: string): string {
  return basename(dirname(entry));
}

/** Lambda's event source on the consumer's queue, once `consumedQueue` has checked its visibility timeout. */
function consumerSource(
  scope: Construct,
  name: string,
  declared: ConsumerDeclaration,
  declaration: Declaration,
  deployed: DeployedResources,
): SqsEventSource {
  consumedQueue(name, declared, declaration.resources);
  return new SqsEventSource(deployed.queues[declared.queue]!, {
    batchSize: declared.batchSize,
    maxBatchingWindow: Duration.seconds(declared.maxBatchingWindowSeconds),
    reportBatchItemFailures: true,
    ...(declared.maxConcurrencySetting ? { maxConcurrency: maxConcurrency(scope, declared.maxConcurrencySetting, name) } : {}),
  });
}

/**
 * Lambda's event source on a table's stream. Lambda filters out all but inserts under the
 * declared sort key prefix before invoking (and bills nothing for them). A failing record
 * is retried with what follows it (partial batch responses), a batch that throws is
 * bisected to isolate the bad record, and after `retryAttempts` the batch's shard range
 * goes to an on-failure queue, with an alarm: stream records expire after 24 hours, so
 * what is given up must be seen and replayed from the event log before then.
 */
function streamSource(
  scope: Construct,
  name: string,
  declared: StreamDeclaration,
  declaration: Declaration,
  deployed: DeployedResources,
): DynamoEventSource {
  const table = streamedTable(name, declared, declaration.resources);
  const id = pascalCase(name);
  const onFailure = new sqs.Queue(scope, `${id}StreamFailures`, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: deployed.storageKey,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(onFailure).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `The on-failure destination of ${name}'s stream: it is itself where failures end, and has an alarm.`,
  });
  onFailure
    .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
    .createAlarm(scope, `${id}StreamFailuresAlarm`, {
      alarmDescription: `${name} gave up on stream records after ${declared.retryAttempts} retries; replay them from the event log.`,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  return new DynamoEventSource(deployed.tables[declared.table]!, {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: declared.batchSize,
    bisectBatchOnError: true,
    retryAttempts: declared.retryAttempts,
    reportBatchItemFailures: true,
    onFailure: new SqsDlq(onFailure),
    filters: [
      lambda.FilterCriteria.filter({
        eventName: lambda.FilterRule.isEqual('INSERT'),
        dynamodb: { Keys: { [table.sortKey]: { S: lambda.FilterRule.beginsWith(declared.sortKeyPrefix) } } },
      }),
    ],
  });
}
