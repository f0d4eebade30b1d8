import { http } from '../../shared/platform/http';
import { getUploadContract } from '../../shared/uploads/contracts';
import { uploadStoreDeps } from '../../shared/uploads/deps';
import { getUpload } from '../../shared/uploads/service';

export const handler = http(getUploadContract, async ({ principal, path }) => ({
  status: 200,
  body: await getUpload(uploadStoreDeps(), principal.tenantId, path.id),
}));
