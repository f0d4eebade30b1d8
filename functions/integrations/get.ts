import { getIntegrationContract } from '../../shared/integrations/contracts';
import { showIntegration } from '../../shared/integrations/tenant-catalog';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { etag } from '../../shared/platform/versioning';

export const handler = http(getIntegrationContract, async ({ principal, path }) => {
  const { integration, version } = await showIntegration(mainTable(), principal.tenantId, path.key);
  // A custom integration is versioned: its ETag is what PATCH takes in If-Match.
  return { status: 200, body: integration, ...(version !== undefined ? { headers: etag(version) } : {}) };
});
