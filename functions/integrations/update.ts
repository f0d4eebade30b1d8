import { updateCustomIntegration } from '../../shared/integrations/custom';
import { updateIntegrationContract } from '../../shared/integrations/contracts';
import { getIntegration } from '../../shared/integrations/service';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';
import { etag, versionFromIfMatch } from '../../shared/platform/versioning';

export const handler = http(updateIntegrationContract, async ({ audit, path, body, headers }) => {
  const updated = await updateCustomIntegration(mainTable(), audit, path.key, versionFromIfMatch(headers), body);
  return { status: 200, body: getIntegration([updated.definition], path.key), headers: etag(updated.version) };
});
