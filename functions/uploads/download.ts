import { http } from '../../shared/platform/http';
import { downloadUploadContract } from '../../shared/uploads/contracts';
import { uploadDeps } from '../../shared/uploads/deps';
import { downloadUpload } from '../../shared/uploads/service';

export const handler = http(downloadUploadContract, async ({ principal, path }) => ({
  status: 200,
  body: await downloadUpload(uploadDeps(), principal.tenantId, path.id),
}));
