import { http } from '../../shared/platform/http';
import { completeUploadContract } from '../../shared/uploads/contracts';
import { uploadDeps } from '../../shared/uploads/deps';
import { completeUpload } from '../../shared/uploads/service';

export const handler = http(completeUploadContract, async ({ audit, path }) => {
  const { status, upload } = await completeUpload(uploadDeps(), audit, path.id);
  return { status, body: upload };
});
