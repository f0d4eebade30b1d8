import { startDynamoDb } from '../infra/local/dynamodb';

/**
 * One DynamoDB Local (in memory) for the whole run: each test file's runtime gets its own
 * table prefix on it, which saves a JVM start per file.
 */
export default async function globalSetup() {
  const dynamodb = await startDynamoDb();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamodb.endpoint;
  (globalThis as { __dynamodb?: typeof dynamodb }).__dynamodb = dynamodb;
}
