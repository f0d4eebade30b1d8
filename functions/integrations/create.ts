import { createCustomIntegration } from '../../shared/integrations/custom';
import { createIntegrationContract } from '../../shared/integrations/contracts';
import { getIntegration } from '../../shared/integrations/service';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { etag } from '../../shared/platform/versioning';

export const handler = http(createIntegrationContract, async ({ audit, body }) => {
  const created = await createCustomIntegration(mainTable(), audit, body);
  return {
    status: 201,
    body: getIntegration([created.definition], body.key),
    headers: { ...etag(created.version), location: `/v1/integrations/${body.key}` },
  };
});
