import { http } from '../../shared/platform/http';
import { listRecordsContract } from '../../shared/records/contracts';
import { recordDeps } from '../../shared/records/deps';
import { listRecords } from '../../shared/records/service';

export const handler = http(listRecordsContract, async ({ principal, path, query }) => ({
  status: 200,
  body: await listRecords(recordDeps(), principal.tenantId, path.id, path.stream, query),
}));
