import { createDynamoDb, type DynamoDb } from '../../shared/platform/dynamodb';

/** The client the functions use, pointed at a test runtime's DynamoDB Local. */
export const localDynamoDb = (endpoint: string): DynamoDb =>
  createDynamoDb({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
