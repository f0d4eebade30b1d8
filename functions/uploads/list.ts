import { http } from '../../shared/platform/http';
import { listUploadsContract } from '../../shared/uploads/contracts';
import { uploadStoreDeps } from '../../shared/uploads/deps';
import { listUploads } from '../../shared/uploads/service';

export const handler = http(listUploadsContract, async ({ principal, query }) => ({
  status: 200,
  body: await listUploads(uploadStoreDeps(), principal.tenantId, query),
}));
