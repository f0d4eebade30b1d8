import { awsService, callJson, type AwsService, type AwsServiceOptions } from './aws-request';

/** SQS over its JSON 1.0 protocol (`AmazonSQS.*`), for the operations Junction calls. */
export interface Sqs {
  getQueueAttributes(input: { QueueUrl: string; AttributeNames: string[] }): Promise<{ Attributes?: Record<string, string> }>;
}

export function createSqs(options: AwsServiceOptions = {}): Sqs {
  let service: AwsService | undefined;
  const call = <T>(operation: string, input: unknown) =>
    callJson<T>((service ??= awsService('sqs', options)), `AmazonSQS.${operation}`, input);
  return {
    getQueueAttributes: (input) => call('GetQueueAttributes', input),
  };
}
