import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sqs } from './aws';

/** SendMessageBatch takes at most 10 entries. */
const sqsBatchLimit = 10;

export interface OutgoingMessage {
  body: unknown;
  /** Hidden this long after sending (SQS allows 0–900 s). */
  delaySeconds?: number;
}

/**
 * Sends messages to a queue ten to a request, the requests in parallel; answers the
 * positions (in `messages`) of those SQS refused, so the caller decides what a partial
 * failure means. A request that fails outright throws.
 */
export async function sendMessages(queueUrl: string, messages: OutgoingMessage[]): Promise<number[]> {
  const chunks: number[][] = [];
  for (let i = 0; i < messages.length; i += sqsBatchLimit) chunks.push(messages.slice(i, i + sqsBatchLimit).map((_, j) => i + j));
  const refused = await Promise.all(
    chunks.map(async (positions) => {
      const { Failed = [] } = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: positions.map((position) => ({
            Id: String(position),
            MessageBody: JSON.stringify(messages[position]!.body),
            ...(messages[position]!.delaySeconds ? { DelaySeconds: messages[position]!.delaySeconds } : {}),
          })),
        }),
      );
      return Failed.map((failure) => Number(failure.Id));
    }),
  );
  return refused.flat().sort((a, b) => a - b);
}

/**
 * Sends every message, or throws naming how many SQS refused: for callers whose own
 * message should come back and try again (their receivers deduplicate).
 */
export async function sendAll(queueUrl: string, queueName: string, bodies: unknown[], delaySeconds = 0): Promise<void> {
  const refused = await sendMessages(queueUrl, bodies.map((body) => ({ body, delaySeconds })));
  if (refused.length > 0) throw new Error(`SQS refused ${refused.length} of ${bodies.length} message(s) for ${queueName}`);
}
