import { http } from '../../shared/platform/http';
import { cancelUploadContract } from '../../shared/uploads/contracts';
import { uploadDeps } from '../../shared/uploads/deps';
import { cancelUpload } from '../../shared/uploads/service';

export const handler = http(cancelUploadContract, async ({ audit, path }) => ({
  status: 200,
  body: await cancelUpload(uploadDeps(), audit, path.id),
}));
