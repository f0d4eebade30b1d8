import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ApiDeclaration, QueueDeclaration, Resources, TableDeclaration } from '../declaration';
import { pascalCase } from './names';

/** The AWS resources behind the declared names, for grants, triggers and outputs. */
export interface DeployedResources {
  /** The declared key: the credential vault's, which `KEY_ARN` names. Used by no other resource. */
  key: kms.Key;
  /**
   * Encrypts the tables, queues and bucket at rest. Separate from the vault's key because
   * CDK's data grants on an encrypted resource also grant its key: were it the vault's
   * key, every function that reads the main table could open every tenant's sealed
   * credentials by calling KMS itself.
   */
  storageKey: kms.Key;
  tables: Record<string, dynamodb.Table>;
  queues: Record<string, sqs.Queue>;
  bucket: s3.Bucket | null;
}

/** SQS keeps a message at most 14 days; a dead letter waits that long for someone to look. */
const deadLetterRetention = Duration.days(14);
/** Long enough to investigate an incident or an abuse report from the uploads bucket's logs. */
const accessLogRetention = Duration.days(365);

export function createResources(scope: Construct, declared: Resources, api: ApiDeclaration, retention: { eventDays: number }): DeployedResources {
  // Rotation keeps each key's ARN, so nothing needs re-encrypting (KMS keeps the old
  // material to decrypt with). Construct id `Key` stays the vault's: a new id would be a
  // new key, and credentials sealed under the old one would no longer open.
  const key = new kms.Key(scope, 'Key', {
    alias: declared.key.alias,
    description: 'Junction credential vault: seals tenants\' credentials (AWS Encryption SDK)',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const storageKey = new kms.Key(scope, 'StorageKey', {
    alias: `${declared.key.alias}-storage`,
    description: 'Junction storage at rest: encrypts the tables, queues and uploads bucket',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const tables = Object.fromEntries(
    Object.entries(declared.tables).map(([name, table]) => [name, createTable(scope, name, table, storageKey)]),
  );
  const queues = Object.fromEntries(
    Object.entries(declared.queues).map(([name, queue]) => [name, createQueue(scope, name, queue, storageKey)]),
  );
  const bucket = declared.bucket && createBucket(scope, declared.bucket, storageKey, api, retention);
  return { key, storageKey, tables, queues, bucket };
}

function createTable(scope: Construct, name: string, declared: TableDeclaration, key: kms.IKey): dynamodb.Table {
  const string = (attribute: string) => ({ name: attribute, type: dynamodb.AttributeType.STRING });
  const table = new dynamodb.Table(scope, `${pascalCase(name)}Table`, {
    partitionKey: string(declared.partitionKey),
    sortKey: string(declared.sortKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    timeToLiveAttribute: declared.ttlAttribute,
    ...(declared.stream ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const [indexName, index] of Object.entries(declared.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: string(index.partitionKey),
      sortKey: string(index.sortKey),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}

function createQueue(scope: Construct, name: string, declared: QueueDeclaration, key: kms.IKey): sqs.Queue {
  const id = pascalCase(name);
  const encrypted = { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key, enforceSSL: true };
  const deadLetterQueue = new sqs.Queue(scope, `${id}DeadLetterQueue`, {
    ...encrypted,
    retentionPeriod: deadLetterRetention,
  });
  deadLetterQueue
    .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
    .createAlarm(scope, `${id}DeadLetterAlarm`, {
      alarmDescription: `Messages of the ${name} queue failed ${declared.maxReceiveCount} times and wait in its dead-letter queue.`,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  return new sqs.Queue(scope, `${id}Queue`, {
    ...encrypted,
    visibilityTimeout: Duration.seconds(declared.visibilityTimeoutSeconds),
    retentionPeriod: Duration.seconds(declared.retentionSeconds),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: declared.maxReceiveCount },
  });
}

function createBucket(
  scope: Construct,
  declared: NonNullable<Resources['bucket']>,
  key: kms.IKey,
  api: ApiDeclaration,
  retention: { eventDays: number },
): s3.Bucket {
  const id = pascalCase(declared.name);
  const privateTlsOnly = { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, enforceSSL: true };
  // S3 cannot deliver server access logs to a bucket encrypted with SSE-KMS, hence SSE-S3 here.
  // (cdk-nag's S1 exempts a bucket that receives access logs from having its own.)
  const accessLogs = new s3.Bucket(scope, `${id}AccessLogsBucket`, {
    ...privateTlsOnly,
    encryption: s3.BucketEncryption.S3_MANAGED,
    lifecycleRules: [{ expiration: accessLogRetention }],
  });
  return new s3.Bucket(scope, `${id}Bucket`, {
    ...privateTlsOnly,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    // One data key per bucket instead of one KMS call per part: multipart uploads make many.
    bucketKeyEnabled: true,
    lifecycleRules: [
      { abortIncompleteMultipartUploadAfter: Duration.days(declared.abortIncompleteUploadsAfterDays) },
      // Inbound webhook bodies (shared/inbound/store.ts) go when their events do, a day
      // later so that none goes first; an object a failed transaction left behind, with them.
      { prefix: 'inbound/', expiration: Duration.days(retention.eventDays + 1) },
    ],
    serverAccessLogsBucket: accessLogs,
    // Browsers PUT parts straight to presigned URLs and must read each part's ETag (and the
    // checksum S3 echoes) to record it; a download link is a GET.
    cors: [
      {
        allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
        allowedOrigins: api.cors.allowOrigins,
        allowedHeaders: ['*'],
        exposedHeaders: ['ETag', 'x-amz-checksum-sha256', 'x-amz-request-id'],
        maxAge: api.cors.maxAgeSeconds,
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
