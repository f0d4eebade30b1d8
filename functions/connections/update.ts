import { connectionDeps } from '../../shared/connections/deps';
import { updateConnectionContract } from '../../shared/connections/contracts';
import { updateConnection } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';
import { etag, versionFromIfMatch } from '../../shared/platform/versioning';

export const handler = http(updateConnectionContract, async ({ audit, path, body, headers }) => {
  const connection = await updateConnection(connectionDeps(), audit, path.id, versionFromIfMatch(headers), body);
  return { status: 200, body: connection, headers: etag(connection.version) };
});
