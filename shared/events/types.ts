/**
 * Every event type recorded today; later domains add theirs (API.md lists them all).
 * A module of its own, importing nothing, so that domains whose schemas the events'
 * payloads reuse (webhooks) can read the catalog without an import cycle.
 */
export const eventTypes = [
  'connection.created',
  'connection.updated',
  'connection.deleted',
  'connection.auth_failed',
  'webhook_endpoint.disabled',
  'sync.started',
  'sync.succeeded',
  'sync.failed',
  'records.changed',
  'inbound.received',
  'upload.completed',
  'upload.failed',
  'alert.triggered',
  'alert.resolved',
] as const;
export type EventType = (typeof eventTypes)[number];
