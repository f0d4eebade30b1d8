import { http } from '../../shared/platform/http';
import { createUploadContract } from '../../shared/uploads/contracts';
import { uploadDeps } from '../../shared/uploads/deps';
import { createUpload } from '../../shared/uploads/service';

export const handler = http(createUploadContract, async ({ audit, body }) => {
  const upload = await createUpload(uploadDeps(), audit, body);
  return { status: 201, body: upload, headers: { location: `/v1/uploads/${upload.id}` } };
});
