import { getCustomIntegration } from '../../shared/integrations/custom-items';
import { builtInIntegrations } from '../../shared/integrations/catalog';
import { getIntegrationContract } from '../../shared/integrations/contracts';
import { getIntegration } from '../../shared/integrations/service';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { etag } from '../../shared/platform/versioning';

export const handler = http(getIntegrationContract, async ({ principal, path }) => {
  const custom = builtInIntegrations.some((i) => i.key === path.key) ? undefined : await getCustomIntegration(mainTable(), principal.tenantId, path.key);
  return {
    status: 200,
    body: getIntegration(custom ? [custom.definition] : builtInIntegrations, path.key),
    // A custom integration is versioned: its ETag is what PATCH takes in If-Match.
    ...(custom ? { headers: etag(custom.version) } : {}),
  };
});
