import { http } from '../../shared/platform/http';
import { healthContract } from '../../shared/platform/contracts';
import { checkHealth } from '../../shared/platform/health';

export const handler = http(healthContract, async () => {
  const health = await checkHealth();
  return { status: health.status === 'ok' ? 200 : 503, body: health };
});
