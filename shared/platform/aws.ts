import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { documentClient } from './dynamodb';
import { once, readConfig } from './config';

/**
 * The AWS SDK clients, created once per container. Endpoints come from the SDK's standard
 * variables (AWS_ENDPOINT_URL_DYNAMODB, …), which the SDK reads itself: the local runtime
 * sets them, Lambda does not. With JUNCTION_LOCAL=true they are required, so local code
 * can never reach a real account.
 */
const config = once(() => {
  const base = readConfig(
    'aws',
    z.object({
      AWS_REGION: z.string().min(1),
      JUNCTION_LOCAL: z.enum(['true', 'false']).default('false'),
      // Local emulators serve buckets by path (`endpoint/bucket`), not by host name.
      S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
    }),
  );
  if (base.JUNCTION_LOCAL === 'true') {
    readConfig(
      'aws (local mode)',
      z.object({
        AWS_ENDPOINT_URL_DYNAMODB: z.url(),
        AWS_ENDPOINT_URL_SQS: z.url(),
        AWS_ENDPOINT_URL_S3: z.url(),
        AWS_ENDPOINT_URL_KMS: z.url().optional(),
      }),
    );
  }
  return base;
});

export const region = () => config().AWS_REGION;

// Each client is made on first use; `@__PURE__` lets a bundle drop the clients (and the
// SDK packages behind them) that its function never uses.

/** The low-level client, for the table calls the document client has no method for (DescribeTable). */
export const dynamoClient = /* @__PURE__ */ once(() => new DynamoDBClient({ region: region() }));
export const dynamo = /* @__PURE__ */ once(() => documentClient(dynamoClient()));
// The endpoint, not the queue URL's host, says where SQS is: the SDK would otherwise parse
// each queue URL to compare hosts, and warn on every send where a URL's host is not a URL's
// (the local queues', `sqs.us-east-1.127.0.0.1`). In AWS the two are the same endpoint.
export const sqs = /* @__PURE__ */ once(() => new SQSClient({ region: region(), useQueueUrlAsEndpoint: false }));
/**
 * Checksums only where S3 requires them: since SDK 3.729 the default adds a CRC32 to every
 * request, and a presigned PUT would carry the CRC32 of an empty body, so S3 refuses the
 * real one (FACTS, S3).
 */
export const s3 = /* @__PURE__ */ once(
  () => new S3Client({ region: region(), forcePathStyle: config().S3_FORCE_PATH_STYLE === 'true', requestChecksumCalculation: 'WHEN_REQUIRED' }),
);
/**
 * The aggregated client, whose methods (`kms.decrypt(…)`) are what the Encryption SDK's
 * KMS keyring calls; its module imports this class for its own default client anyway.
 */
export const kms = /* @__PURE__ */ once(() => new KMS({ region: region() }));
