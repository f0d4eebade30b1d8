import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { functionBundling } from '../bundling';
import { commonFunctionEnv, defaultMemoryMb, defaultTimeoutSeconds, metricsNamespace, type FunctionDeclaration } from '../declaration';
import { pascalCase } from './names';


/**
 * One arm64 Node 24 Lambda for one declared function, with its own role (which starts
 * empty: `bindAccess` adds what the function declares), its own log group, and alarms on
 * its errors and throttles. `root` is the repo root the declared entry is relative to.
 */
export function createFunction(
  scope: Construct,
  name: string,
  declared: FunctionDeclaration,
  root: string,
): NodejsFunction {
  const id = pascalCase(name);
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
  // Our own role instead of the AWSLambdaBasicExecutionRole managed policy: it may write
  // to this function's log group only, not to every log group in the account.
  const role = new iam.Role(scope, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, `${id}Function`, {
    entry: join(root, declared.entry),
    handler: 'handler',
    projectRoot: root,
    depsLockFilePath: join(root, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: declared.memoryMb ?? defaultMemoryMb,
    timeout: Duration.seconds(declared.timeoutSeconds ?? defaultTimeoutSeconds),
    role,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    environment: { ...commonFunctionEnv },
    bundling: functionBundling(declared.packageFiles),
  });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
  });
  alarmOn(scope, `${id}Errors`, fn.metricErrors(fiveMinuteSum), `${name} failed an invocation.`);
  alarmOn(scope, `${id}Throttles`, fn.metricThrottles(fiveMinuteSum), `${name} was throttled.`);
  for (const { name: metricName, description } of declared.alarmMetrics ?? []) {
    const metric = new cloudwatch.Metric({ namespace: metricsNamespace, metricName, dimensionsMap: { service: commonFunctionEnv.POWERTOOLS_SERVICE_NAME }, ...fiveMinuteSum });
    alarmOn(scope, `${id}${metricName}`, metric, description);
  }
  return fn;
}

const fiveMinuteSum = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };

function alarmOn(scope: Construct, id: string, metric: cloudwatch.Metric, description: string): void {
  metric.createAlarm(scope, `${id}Alarm`, {
    alarmDescription: description,
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
