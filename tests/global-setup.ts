import { startDynamoDb } from '../infra/local/dynamodb';

/**
 * One DynamoDB Local (in memory) for the whole run: each test file's runtime gets its own
 * table prefix on it, which saves a JVM start per file.
 */
export default async function globalSetup() {
  // The AWS SDK creates the process's InvokeStore on first use, and jest copies this
  // process's globals into every test file's: it must be the kind that keeps concurrent
  // invocations apart, as the local runtime needs (infra/local/functions.ts).
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '1000';
  const dynamodb = await startDynamoDb();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamodb.endpoint;
  (globalThis as { __dynamodb?: typeof dynamodb }).__dynamodb = dynamodb;
}
