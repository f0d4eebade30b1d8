import { Names, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import type { Access } from '../declaration';
import { accessEnv, resourceEnv } from '../../shared/platform/resource-env';
import type { DeployedResources } from './resources';

type Grants<Mode extends string, R> = Record<Mode, (resource: R, fn: lambda.Function) => void>;
type TableMode = NonNullable<Access['tables']>[string];
type QueueMode = NonNullable<Access['queues']>[string];

/**
 * Gives a function exactly what its declared access names: for each resource, the variable
 * that locates it and the permissions of the declared mode, in one call (as Powertools'
 * `bindTable` does), so configuration and permissions cannot drift apart. The variables
 * come from `accessEnv`, which the local runtime uses too. The grants on encrypted
 * resources include the key actions they imply, on the storage key only; the vault's key
 * (`access.key`) is granted to no function that does not declare it.
 */
export function bindAccess(fn: lambda.Function, access: Access, deployed: DeployedResources): void {
  const env = accessEnv(access, {
    tables: Object.fromEntries(Object.entries(deployed.tables).map(([name, table]) => [name, table.tableName])),
    queues: Object.fromEntries(Object.entries(deployed.queues).map(([name, queue]) => [name, queue.queueUrl])),
    bucket: deployed.bucket?.bucketName ?? null,
    key: { [resourceEnv.key]: deployed.key.keyArn },
  });
  for (const [variable, value] of Object.entries(env)) fn.addEnvironment(variable, value);
  // accessEnv has refused any name that is not declared.
  for (const [name, mode] of Object.entries(access.tables ?? {})) tableGrants[mode](deployed.tables[name]!, fn);
  for (const [name, mode] of Object.entries(access.queues ?? {})) queueGrants[mode](deployed.queues[name]!, fn);
  if (access.bucket) bucketGrants[access.bucket](deployed.bucket!, fn);
  if (access.key) keyGrants[access.key](deployed.key, fn);
  if (access.email === 'send') grantSendEmail(fn);
}

/**
 * ses:SendEmail on the account's SES identities in this region: which identity sends is
 * the `alertEmailFrom` setting, verified by the team outside the stack (docs/alerts.md).
 */
function grantSendEmail(fn: lambda.Function): void {
  const stack = Stack.of(fn);
  allow(fn, ['ses:SendEmail'], [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })]);
  acknowledge(
    fn,
    `Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*`,
    'Alert email is sent from the identity the alertEmailFrom setting names, verified in SES outside the stack; the grant is ses:SendEmail on this account\'s identities in this region only.',
  );
}

const tableGrants: Grants<TableMode, dynamodb.Table> = {
  read: (table, fn) => {
    table.grantReadData(fn);
    acknowledgeIndexes(table, fn);
  },
  write: (table, fn) => {
    table.grantWriteData(fn);
    acknowledgeIndexes(table, fn);
    acknowledgeKeyWrites(fn);
  },
  readwrite: (table, fn) => {
    table.grantReadWriteData(fn);
    acknowledgeIndexes(table, fn);
    acknowledgeKeyWrites(fn);
  },
  describe: (table, fn) => allow(fn, ['dynamodb:DescribeTable'], [table.tableArn]),
};

const queueGrants: Grants<QueueMode, sqs.Queue> = {
  send: (queue, fn) => {
    queue.grantSendMessages(fn);
    acknowledgeKeyWrites(fn);
  },
  describe: (queue, fn) => allow(fn, ['sqs:GetQueueAttributes'], [queue.queueArn]),
};

const bucketGrants: Grants<NonNullable<Access['bucket']>, s3.Bucket> = {
  read: (bucket, fn) => {
    bucket.grantRead(fn);
    acknowledgeObjects(bucket, fn);
    acknowledgeObjectReads(fn);
  },
  write: (bucket, fn) => {
    // grantPut covers CreateMultipartUpload, UploadPart, CompleteMultipartUpload (s3:PutObject),
    // AbortMultipartUpload, and the kms:Decrypt that completing an SSE-KMS upload needs;
    // ListParts is what resuming an upload needs on top.
    bucket.grantPut(fn);
    bucket.grantDelete(fn);
    allow(fn, ['s3:ListMultipartUploadParts'], [bucket.arnForObjects('*')]);
    acknowledgeObjects(bucket, fn);
    acknowledgeObjectWrites(fn);
    acknowledgeKeyWrites(fn);
  },
  readwrite: (bucket, fn) => {
    bucket.grantReadWrite(fn);
    acknowledgeObjects(bucket, fn);
    acknowledgeObjectReads(fn);
    acknowledgeObjectWrites(fn);
    acknowledgeKeyWrites(fn);
  },
  // HeadBucket is authorised by s3:ListBucket.
  describe: (bucket, fn) => allow(fn, ['s3:ListBucket'], [bucket.bucketArn]),
};

const keyGrants: Grants<NonNullable<Access['key']>, kms.Key> = {
  encrypt: (key, fn) => {
    key.grantEncrypt(fn);
    acknowledgeKeyWrites(fn);
  },
  decrypt: (key, fn) => key.grantDecrypt(fn),
  'encrypt-decrypt': (key, fn) => {
    key.grantEncryptDecrypt(fn);
    acknowledgeKeyWrites(fn);
  },
  describe: (key, fn) => allow(fn, ['kms:DescribeKey'], [key.keyArn]),
};

/*
 * cdk-nag flags every `*` in a policy (AwsSolutions-IAM5). The ones CDK's grants above
 * produce are acknowledged here, next to the grant that makes them, each scoped to one
 * of Junction's resources.
 */

function acknowledgeIndexes(table: dynamodb.Table, fn: lambda.Function): void {
  acknowledge(
    fn,
    `Resource::${arnOf(table, fn)}/index/*`,
    'The data grants cover the table\'s global secondary indexes, <table ARN>/index/*, so queries on them work; the wildcard stays inside this one table.',
  );
}

function acknowledgeKeyWrites(fn: lambda.Function): void {
  const reason =
    'Writing data encrypted under one of Junction\'s keys (the storage key for tables, queues and the bucket; the vault key for sealing credentials) needs kms:GenerateDataKey* and kms:ReEncrypt*, granted on that key\'s ARN only.';
  acknowledge(fn, 'Action::kms:GenerateDataKey*', reason);
  acknowledge(fn, 'Action::kms:ReEncrypt*', reason);
}

function acknowledgeObjects(bucket: s3.Bucket, fn: lambda.Function): void {
  acknowledge(
    fn,
    `Resource::${arnOf(bucket, fn)}/*`,
    'Uploads are objects under keys chosen at run time, so object actions apply to <bucket ARN>/*, inside this one bucket.',
  );
}

function acknowledgeObjectReads(fn: lambda.Function): void {
  const reason =
    'CDK\'s grantRead: s3:GetObject*, s3:GetBucket* and s3:List* (objects, their versions and attributes, part listings) on this one bucket only.';
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) acknowledge(fn, `Action::${action}`, reason);
}

function acknowledgeObjectWrites(fn: lambda.Function): void {
  const reason =
    'CDK\'s grantPut and grantDelete: s3:Abort* (AbortMultipartUpload) and s3:DeleteObject* (an object and its versions) on this bucket\'s objects only.';
  for (const action of ['s3:Abort*', 's3:DeleteObject*']) acknowledge(fn, `Action::${action}`, reason);
}

function acknowledge(fn: lambda.Function, finding: string, reason: string): void {
  Validations.of(fn.role!).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}

/**
 * How cdk-nag writes a resource's ARN in a finding on `fn`'s policy: `<LogicalId.Arn>` when
 * both are in one stack. A function in a domain's nested stack sees the ARN through the
 * parameter CDK passes it in, named `reference-to-<the resource's unique id>Arn` less its
 * dashes (aws-cdk-lib's `createNestedStackParameter`); should CDK name it otherwise, the
 * findings stop matching and the nag tests fail, rather than let a wildcard through.
 */
function arnOf(resource: IConstruct, fn: lambda.Function): string {
  const cfn = resource.node.defaultChild as CfnResource;
  if (Stack.of(cfn) === Stack.of(fn)) return `<${Stack.of(cfn).getLogicalId(cfn)}.Arn>`;
  return `<referenceto${Names.nodeUniqueId(cfn.node)}Arn>`;
}

function allow(fn: lambda.Function, actions: string[], resources: string[]): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
}
