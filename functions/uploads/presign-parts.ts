import { http } from '../../shared/platform/http';
import { presignPartsContract } from '../../shared/uploads/contracts';
import { uploadDeps } from '../../shared/uploads/deps';
import { presignParts } from '../../shared/uploads/service';

export const handler = http(presignPartsContract, async ({ audit, path, body }) => ({
  status: 200,
  body: await presignParts(uploadDeps(), audit, path.id, body),
}));
