import { connectionDeps } from '../../shared/connections/deps';
import { createConnectionContract } from '../../shared/connections/contracts';
import { createConnection } from '../../shared/connections/service';
import { http } from '../../shared/platform/http';
import { etag } from '../../shared/platform/versioning';

export const handler = http(createConnectionContract, async ({ audit, body }) => {
  const connection = await createConnection(connectionDeps(), audit, body);
  return { status: 201, body: connection, headers: { ...etag(connection.version), location: `/v1/connections/${connection.id}` } };
});
