import { startDynamoDb } from '../infra/local/dynamodb';

/**
 * One DynamoDB Local (in memory) for the whole run: each test file's runtime gets its own
 * table prefix on it, which saves a JVM start per file.
 */
export default async function globalSetup() {
  const dynamodb = await startDynamoDb();
  // Jest copies this process's globals into every test file's. The InvokeStore the AWS SDK
  // made here keeps one context for all invocations; each file's local runtime makes its own.
  delete (globalThis as { awslambda?: unknown }).awslambda;
  process.env.TEST_DYNAMODB_ENDPOINT = dynamodb.endpoint;
  (globalThis as { __dynamodb?: typeof dynamodb }).__dynamodb = dynamodb;
}
