import { logger } from '../../shared/platform/logger';
import { uploadDeps } from '../../shared/uploads/deps';
import { expireUploads } from '../../shared/uploads/service';

/** Every 15 minutes: sessions past their expiry become `expired`, their multipart uploads aborted. */
export async function handler(): Promise<{ expired: number }> {
  const expired = await expireUploads(uploadDeps());
  if (expired > 0) logger.info('expired upload sessions', { expired });
  return { expired };
}
