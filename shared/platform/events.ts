import { newId } from './ids';
import type { TransactItem } from './items';

/**
 * The tenant's event log (`connection.auth_failed`, …), written in the transaction of the
 * change it reports, so an event is never lost nor reported for a change that did not
 * happen. Delivery to webhook endpoints reads from here. Events carry ids and states,
 * never credentials.
 *
 *   pk TENANT#<tenant>  sk EVENT#<event id>
 */
export type EventType = 'connection.created' | 'connection.updated' | 'connection.deleted' | 'connection.auth_failed';

export function eventPut(table: string, tenantId: string, type: EventType, data: Record<string, string | number | null>, at: Date): TransactItem {
  const id = newId('evt', at.getTime());
  return { Put: { TableName: table, Item: { pk: `TENANT#${tenantId}`, sk: `EVENT#${id}`, id, type, data, at: at.toISOString() } } };
}
