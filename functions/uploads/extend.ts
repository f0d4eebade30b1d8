import { http } from '../../shared/platform/http';
import { extendUploadContract } from '../../shared/uploads/contracts';
import { uploadStoreDeps } from '../../shared/uploads/deps';
import { extendUpload } from '../../shared/uploads/service';

export const handler = http(extendUploadContract, async ({ audit, path }) => ({
  status: 200,
  body: await extendUpload(uploadStoreDeps(), audit, path.id),
}));
