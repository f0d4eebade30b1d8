import * as z from 'zod';
import { queueConsumer } from '../../shared/platform/consumer';
import { uploadDeps } from '../../shared/uploads/deps';
import { finishUpload } from '../../shared/uploads/service';

const CompletionMessage = z.strictObject({ tenantId: z.string().min(1), id: z.string().min(1) });

/**
 * Finishes large uploads (`uploadCompletions`): assembles, checks the size, reads the
 * object back for its SHA-256. One message per session, one after another (each may read
 * gigabytes); a session no longer `completing` (a duplicate message) is left as it is.
 */
export const handler = queueConsumer({
  what: 'upload completion',
  message: CompletionMessage,
  inOrder: true,
  handle: ({ tenantId, id }) => finishUpload(uploadDeps(), tenantId, id),
});
