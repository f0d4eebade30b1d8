import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type * as z from 'zod';
import { logger } from './logger';
import { tally as containerTally, type Tally } from '../metrics/tally';

/**
 * A queue consumer's handler around one message's work: the body parsed and checked
 * against the message's schema, and partial batch responses, so only the messages that
 * failed are handed out again (and past maxReceiveCount go to the DLQ). A message that can
 * never parse is dropped with a log line: retrying would only take it to the DLQ days
 * later. `handle` answers an outcome to log; it throws for an infrastructure error only.
 *
 * `inOrder`: one message after another (a burst for one connection then finds what the
 * first did instead of racing it); otherwise the batch's messages run at once.
 *
 * What the messages' work counted into the tally (shared/metrics/tally.ts) is written once,
 * after the batch: a batch of deliveries to one endpoint is one metrics write, not ten.
 */
export function queueConsumer<M extends z.ZodType>(options: {
  /** What a message is, for log lines: `sync job`, `inbound event`. */
  what: string;
  message: M;
  inOrder?: boolean;
  handle(message: z.infer<M>, context: Context): Promise<unknown>;
  /** Tests pass their own; the container's by default. */
  tally?: Tally;
}) {
  const tally = options.tally ?? containerTally;
  const one = async (body: string, messageId: string, context: Context): Promise<boolean> => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    const parsed = options.message.safeParse(json);
    if (!parsed.success) {
      logger.error(`dropped a malformed ${options.what}`, { messageId, issues: parsed.error?.issues ?? 'not JSON' });
      return true;
    }
    try {
      const outcome = await options.handle(parsed.data, context);
      logger.info(`${options.what} handled`, { received: parsed.data, outcome });
      return true;
    } catch (error) {
      logger.error(`${options.what} failed; SQS will redeliver it`, { messageId, received: parsed.data, error: error as Error });
      return false;
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    if (options.inOrder) {
      for (const record of event.Records) if (!(await one(record.body, record.messageId, context))) failed.push(record.messageId);
    } else {
      const outcomes = await Promise.all(event.Records.map((record) => one(record.body, record.messageId, context)));
      outcomes.forEach((ok, i) => ok || failed.push(event.Records[i]!.messageId));
    }
    await tally.flush();
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
