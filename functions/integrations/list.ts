import { catalogFor } from '../../shared/integrations/tenant-catalog';
import { listIntegrationsContract } from '../../shared/integrations/contracts';
import { listIntegrations } from '../../shared/integrations/service';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(listIntegrationsContract, async ({ principal, query }) => ({
  status: 200,
  body: listIntegrations(await catalogFor(mainTable(), principal.tenantId), query),
}));
