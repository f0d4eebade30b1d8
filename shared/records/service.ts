import { getConnection } from '../connections/service';
import type { ConnectionStore } from '../connections/store';
import type { RecordPage, RecordListQuery } from './schema';
import type { RecordStore } from './store';

export interface RecordDeps {
  records: RecordStore;
  connections: ConnectionStore;
}

/**
 * A page of a connection's synced records, in modification order. The connection must be
 * the caller's (another tenant's is not found). Any well-formed stream name is answered:
 * one never synced is an empty page whose cursor will list its first records.
 */
export async function listRecords(deps: RecordDeps, tenantId: string, connectionId: string, stream: string, query: RecordListQuery): Promise<RecordPage> {
  await getConnection({ store: deps.connections }, tenantId, connectionId);
  const { records, nextCursor, hasMore } = await deps.records.list(tenantId, connectionId, stream, query);
  return { data: records, nextCursor, hasMore };
}
