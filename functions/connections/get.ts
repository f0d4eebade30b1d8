import { getConnectionContract } from '../../shared/connections/contracts';
import { getConnection } from '../../shared/connections/service';
import { connectionStoreDeps } from '../../shared/connections/store-deps';
import { http } from '../../shared/platform/http';
import { etag } from '../../shared/platform/versioning';

export const handler = http(getConnectionContract, async ({ principal, path }) => {
  const connection = await getConnection(connectionStoreDeps(), principal.tenantId, path.id);
  return { status: 200, body: connection, headers: etag(connection.version) };
});
