import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ConsumerDeclaration, Declaration } from '../declaration';
import type { FunctionHost } from './functions';

/**
 * Lambda's SQS event source, locally: long-poll each consumer's queue, hand the function
 * a real SQS event, delete what succeeded. With partial batch responses
 * (ReportBatchItemFailures) only the listed messages stay; a thrown error keeps them all.
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
}): RunningPollers {
  const abort = new AbortController();
  const loops = Object.entries(options.declaration.functions)
    .filter((e): e is [string, ConsumerDeclaration] => e[1].kind === 'consumer')
    .map(([name, consumer]) => poll(name, consumer));

  async function poll(name: string, consumer: ConsumerDeclaration) {
    const queueUrl = options.queueUrl(consumer.queue);
    const queueArn = options.queueArn(consumer.queue);
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
        process.stderr.write(`poller ${name}: ${(error as Error).message}\n`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueArn, options.region)) };
      let failed: Set<string>;
      try {
        const response = (await options.functions.invoke(name, event)) as SQSBatchResponse | undefined;
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch {
        continue;
      }
      const done = messages.filter((m) => !failed.has(m.MessageId!));
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
