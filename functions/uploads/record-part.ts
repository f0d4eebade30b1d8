import { http } from '../../shared/platform/http';
import { recordPartContract } from '../../shared/uploads/contracts';
import { uploadStoreDeps } from '../../shared/uploads/deps';
import { recordPart } from '../../shared/uploads/service';

export const handler = http(recordPartContract, async ({ audit, path, body }) => ({
  status: 200,
  body: await recordPart(uploadStoreDeps(), audit, path.id, path.partNumber, body),
}));
