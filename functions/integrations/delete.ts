import { deleteCustomIntegration } from '../../shared/integrations/custom';
import { deleteIntegrationContract } from '../../shared/integrations/contracts';
import { http } from '../../shared/platform/http';
import { mainTable } from '../../shared/platform/tables';

export const handler = http(deleteIntegrationContract, async ({ audit, path }) => {
  await deleteCustomIntegration(mainTable(), audit, path.key);
  return { status: 204 };
});
