import { oauthDeps } from '../../shared/oauth/deps';
import { refreshExpiring } from '../../shared/oauth/tokens';
import { logger } from '../../shared/platform/logger';

/** EventBridge schedule: refresh every token that expires within the next 15 minutes. */
export const handler = async () => {
  const result = await refreshExpiring(oauthDeps());
  logger.info('refreshed expiring tokens', result);
  return result;
};
