import type { ApiDeclaration, Resources } from './declaration';
import { maxBodyBytes } from '../shared/platform/http';

/**
 * Every table, queue, bucket and key Junction owns. Names are logical: the CDK app
 * and the local runtime derive the physical names. The key is the credential vault's;
 * the CDK app adds a second one, for storage at rest, that no function declares.
 */
export const resources: Resources = {
  tables: {
    main: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: { gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } },
      ttlAttribute: 'expiresAt',
      // The event log's outbox: the webhook relay reads new EVENT# items from it.
      stream: 'NEW_IMAGE',
    },
    // Per-tenant request counters, one item per tenant and minute, gone after two minutes.
    limits: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {},
      ttlAttribute: 'expiresAt',
    },
    // Per-tenant metrics (shared/metrics/): small raw counter items per (tenant, family,
    // dimensions, minute) that the rollup folds into minute/hour/day series, and error
    // groups (gsi1: a tenant's groups by lastSeen, newest first). Everything expires.
    metrics: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: { gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } },
      ttlAttribute: 'expiresAt',
    },
    // Synced records, a partition per (tenant, connection, stream); see shared/records/store.ts.
    // Only the seen-keys items of a full refresh that never finished expire.
    records: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {},
      ttlAttribute: 'expiresAt',
    },
  },
  queues: {
    // One message per (event, webhook endpoint); see shared/webhooks/delivery-message.ts.
    // Visible again after 6x the delivery worker's 30 s timeout (AWS's guidance).
    deliveries: { visibilityTimeoutSeconds: 180, maxReceiveCount: 5, retentionSeconds: 4 * 24 * 3600 },
    // The retry lane: retries, and every message to an endpoint that is failing, so that a
    // stalled receiver holds up only its own kind (shared/webhooks/delivery-message.ts).
    deliveryRetries: { visibilityTimeoutSeconds: 180, maxReceiveCount: 5, retentionSeconds: 4 * 24 * 3600 },
    // One message per page of a stream of a sync run (shared/syncs/service.ts SyncJob).
    // Visible again after 6x the sync worker's 60 s timeout.
    syncJobs: { visibilityTimeoutSeconds: 360, maxReceiveCount: 5, retentionSeconds: 4 * 24 * 3600 },
    // Inbound provider webhooks to route (shared/inbound/service.ts InboundMessage), and the
    // connections' sync-request retries. Visible again after 6x the inbound worker's 30 s.
    inboundEvents: { visibilityTimeoutSeconds: 180, maxReceiveCount: 5, retentionSeconds: 4 * 24 * 3600 },
    // Large uploads to assemble and read back (shared/uploads/service.ts finishUpload).
    // Visible again after 6x the worker's 900 s timeout.
    uploadCompletions: { visibilityTimeoutSeconds: 5400, maxReceiveCount: 3, retentionSeconds: 4 * 24 * 3600 },
  },
  bucket: { name: 'uploads', abortIncompleteUploadsAfterDays: 7 },
  key: { alias: 'junction' },
};

export const api: ApiDeclaration = {
  cors: {
    allowOrigins: ['*'],
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match', 'x-correlation-id'],
    // What a browser script may read beyond the CORS-safelisted headers: every header the
    // API answers for its clients (tests/integration/platform.test.ts holds it to that).
    exposeHeaders: [
      'etag',
      'location',
      'retry-after',
      'x-request-id',
      'x-correlation-id',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'idempotent-replayed',
      'allow',
      'www-authenticate',
    ],
    maxAgeSeconds: 600,
  },
  maxBodyBytes,
};
