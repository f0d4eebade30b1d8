import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { logger } from '../../shared/platform/logger';
import { uploadDeps } from '../../shared/uploads/deps';
import { finishUpload } from '../../shared/uploads/service';

/**
 * Finishes large uploads (`uploadCompletions`): assembles, checks the size, reads the
 * object back for its SHA-256. One message per session; a session no longer `completing`
 * (a duplicate message) is left as it is.
 */
const CompletionMessage = z.strictObject({ tenantId: z.string().min(1), id: z.string().min(1) });

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) if (!(await handle(record))) failures.push({ itemIdentifier: record.messageId });
  return { batchItemFailures: failures };
}

async function handle(record: SQSRecord): Promise<boolean> {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    json = undefined;
  }
  const parsed = CompletionMessage.safeParse(json);
  if (!parsed.success) {
    // It can never parse: retrying would only take it to the DLQ days later.
    logger.error('dropped a malformed upload completion message', { messageId: record.messageId });
    return true;
  }
  try {
    const status = await finishUpload(uploadDeps(), parsed.data.tenantId, parsed.data.id);
    logger.info('upload finished', { ...parsed.data, status });
    return true;
  } catch (error) {
    logger.error('finishing an upload failed; SQS will redeliver it', { messageId: record.messageId, error: error as Error });
    return false;
  }
}
