import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ConsumerDeclaration, Declaration } from '../declaration';
import type { FunctionHost } from './functions';
import { reporter, type LogSink } from './logs';

/**
 * Lambda's SQS event source, locally: long-poll each consumer's queue, hand the function
 * a real SQS event, delete what succeeded. With partial batch responses
 * (ReportBatchItemFailures) only the listed messages stay; a thrown error or a response
 * Lambda cannot read (see `readBatchResponse`) keeps them all.
 * Messages left behind reappear after the visibility timeout and, past maxReceiveCount,
 * the queue's redrive policy moves them to the DLQ, as in AWS.
 */
export interface RunningPollers {
  stop(): Promise<void>;
}

export function startPollers(options: {
  declaration: Declaration;
  functions: FunctionHost;
  sqs: SQSClient;
  queueUrl: (queue: string) => string;
  queueArn: (queue: string) => string;
  region: string;
  /** Where the pollers report (the terminal if not given). */
  log?: LogSink;
}): RunningPollers {
  const abort = new AbortController();
  const loops = Object.entries(options.declaration.functions)
    .filter((e): e is [string, ConsumerDeclaration] => e[1].kind === 'consumer')
    .map(([name, consumer]) => poll(name, consumer));

  async function poll(name: string, consumer: ConsumerDeclaration) {
    const queueUrl = options.queueUrl(consumer.queue);
    const queueArn = options.queueArn(consumer.queue);
    const report = reporter(`poller ${name}`, options.log);
    while (!abort.signal.aborted) {
      let messages: Message[];
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, consumer.batchSize),
            WaitTimeSeconds: 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) return;
        report((error as Error).message);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn, options.region)) };
      let response: unknown;
      try {
        response = await options.functions.invoke(name, event);
      } catch {
        continue;
      }
      const verdict = readBatchResponse(response, messages.map((m) => m.MessageId!));
      if ('invalid' in verdict) {
        report(`invalid partial batch response (${verdict.invalid}); the whole batch stays for a retry`);
        continue;
      }
      const done = messages.filter((m) => !verdict.failed.has(m.MessageId!));
      if (done.length > 0) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    }
  }

  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

/**
 * The messages a consumer's partial batch response reports as failed. Lambda treats a
 * response it cannot read as a failure of the whole batch (a non-object, an entry whose
 * itemIdentifier is missing, empty, null or not a message of the batch), and no response
 * or no `batchItemFailures` as success:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function readBatchResponse(
  response: unknown,
  messageIds: string[],
): { failed: Set<string> } | { invalid: string } {
  if (response === undefined || response === null) return { failed: new Set() };
  if (typeof response !== 'object' || Array.isArray(response)) return { invalid: 'the response is not an object' };
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return { failed: new Set() };
  if (!Array.isArray(failures)) return { invalid: 'batchItemFailures is not a list' };
  const failed = new Set<string>();
  for (const [i, failure] of failures.entries()) {
    const id: unknown = typeof failure === 'object' && failure !== null ? failure.itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '') return { invalid: `batchItemFailures[${i}] has no itemIdentifier` };
    if (!messageIds.includes(id)) return { invalid: `batchItemFailures[${i}].itemIdentifier ${id} is not a message of this batch` };
    failed.add(id);
  }
  return { failed };
}

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(system.MessageGroupId ? { MessageGroupId: system.MessageGroupId } : {}),
      ...(system.MessageDeduplicationId ? { MessageDeduplicationId: system.MessageDeduplicationId } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [
        key,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
