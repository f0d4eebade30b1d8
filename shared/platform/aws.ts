import * as z from 'zod';
import { createDynamoDb } from './dynamodb';
import { once, readConfig } from './config';

/**
 * AWS clients, created once per container. Endpoints come from the SDK's standard
 * variables (AWS_ENDPOINT_URL_DYNAMODB, …): the local runtime sets them, Lambda does not.
 * With JUNCTION_LOCAL=true they are required, so local code can never reach a real account.
 */
const config = once(() => {
  const base = readConfig(
    'aws',
    z.object({
      AWS_REGION: z.string().min(1),
      JUNCTION_LOCAL: z.enum(['true', 'false']).default('false'),
    }),
  );
  if (base.JUNCTION_LOCAL === 'true') {
    readConfig(
      'aws (local mode)',
      z.object({
        AWS_ENDPOINT_URL_DYNAMODB: z.url(),
        AWS_ENDPOINT_URL_SQS: z.url(),
        AWS_ENDPOINT_URL_S3: z.url(),
      }),
    );
  }
  return base;
});

export const dynamo = once(() => createDynamoDb({ region: config().AWS_REGION }));

export const region = () => config().AWS_REGION;
