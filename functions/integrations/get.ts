import { builtInIntegrations } from '../../shared/integrations/catalog';
import { getIntegrationContract } from '../../shared/integrations/contracts';
import { getIntegration } from '../../shared/integrations/service';
import { http } from '../../shared/platform/http';

export const handler = http(getIntegrationContract, async ({ path }) => ({
  status: 200,
  body: getIntegration(builtInIntegrations, path.key),
}));
