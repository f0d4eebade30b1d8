import { builtInIntegrations } from '../../shared/integrations/catalog';
import { listIntegrationsContract } from '../../shared/integrations/contracts';
import { listIntegrations } from '../../shared/integrations/service';
import { http } from '../../shared/platform/http';

export const handler = http(listIntegrationsContract, async ({ query }) => ({
  status: 200,
  body: listIntegrations(builtInIntegrations, query),
}));
