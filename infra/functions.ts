import type { Access, Declaration, FunctionDeclaration } from './declaration';
import { api, resources } from './resources';
import * as apiKeys from '../shared/tenancy/contracts';
import * as platform from '../shared/platform/contracts';
import { viewer } from '../shared/platform/docs-page';
import * as connections from '../shared/connections/contracts';
import * as integrations from '../shared/integrations/contracts';
import * as oauth from '../shared/oauth/contracts';
import * as webhooks from '../shared/webhooks/contracts';
import * as events from '../shared/events/contracts';
import * as deliveries from '../shared/webhooks/delivery-contracts';
import * as records from '../shared/records/contracts';
import * as syncs from '../shared/syncs/contracts';
import * as proxy from '../shared/proxy/contracts';
import * as inbound from '../shared/inbound/contracts';
import * as uploads from '../shared/uploads/contracts';
import * as alerts from '../shared/alerts/contracts';
import * as metrics from '../shared/metrics/contracts';
import * as overview from '../shared/overview/contracts';

/**
 * Every Lambda function: its entry point, what triggers it, and what it may touch.
 * Adding an endpoint is one handler file plus one entry here.
 */
/**
 * Routes that take an API key also spend the tenant's request budget (the limits table)
 * and count the request into the tenant's metrics (shared/metrics/tally.ts).
 */
const keyed = (access: Access): Access => ({
  ...access,
  tables: { ...access.tables, limits: 'write', metrics: ['read', 'readwrite'].includes(access.tables?.metrics ?? '') ? 'readwrite' : 'write' },
});
const readMain = keyed({ tables: { main: 'read' } });
const writeMain = keyed({ tables: { main: 'readwrite' } });
/** Routes that also read the tenant's metrics series (which every keyed route writes into). */
const readMetrics = (access: Access): Access => ({ ...access, tables: { ...access.tables, metrics: 'readwrite' } });
/** Connections and OAuth also seal and open secrets with the key. */
const readCredentials = keyed({ tables: { main: 'readwrite' }, key: 'decrypt' });
const writeCredentials = keyed({ tables: { main: 'readwrite' }, key: 'encrypt-decrypt' });
/** The delivery worker, on either lane. */
const deliveryWork: Access = {
  tables: { main: 'readwrite', limits: 'write', metrics: 'write' },
  key: 'decrypt',
  queues: { deliveries: 'send', deliveryRetries: 'send' },
};
/** Retries and replays through the API put messages on the fresh lane. */
const sendFresh = keyed({ tables: { main: 'readwrite' }, queues: { deliveries: 'send' } });
/** Webhook endpoints seal new signing secrets and never open one (rotation copies the old ciphertext). */
const sealWebhookSecrets = keyed({ tables: { main: 'readwrite' }, key: 'encrypt' });
/**
 * The sync worker: runs and connections in the main table, records (and their oversized
 * payloads in the bucket), the key to open credentials and seal refreshed tokens, and the
 * queue for the next page.
 */
const syncWork: Access = {
  // limits: the providers' budgets, shared by every worker (read too: an integration
  // without documented limits has only a pause to read, see shared/syncs/budget.ts).
  tables: { main: 'readwrite', records: 'readwrite', limits: 'readwrite', metrics: 'write' },
  bucket: 'readwrite',
  key: 'encrypt-decrypt',
  queues: { syncJobs: 'send' },
};
/**
 * The proxy opens credentials and may refresh and seal OAuth tokens, and shares the sync
 * worker's provider budgets (readwrite: see syncWork).
 */
const proxyWork: Access = { ...writeCredentials, tables: { ...writeCredentials.tables, limits: 'readwrite' } };
/** Token refreshes may happen wherever OAuth tokens are read, and need no API key. */
const tokenWork: Access = { tables: { main: 'readwrite' }, key: 'encrypt-decrypt' };

export const functions: Record<string, FunctionDeclaration> = {
  authorizer: {
    kind: 'authorizer',
    entry: 'functions/auth/authorize.ts',
    access: { tables: { main: 'read' } },
    // A revoked key keeps working until its cached verdict expires: at most this long.
    resultsCacheTtlSeconds: 60,
    identitySource: ['$request.header.Authorization'],
  },
  health: {
    kind: 'route',
    route: 'GET /v1/health',
    entry: 'functions/platform/health.ts',
    contract: platform.healthContract,
    access: {
      tables: { main: 'describe', limits: 'describe', records: 'describe' },
      bucket: 'describe',
      key: 'describe',
    },
  },
  openapi: {
    kind: 'route',
    route: 'GET /openapi.json',
    entry: 'functions/platform/openapi.ts',
    contract: platform.openApiContract,
    access: {},
  },
  docs: {
    kind: 'route',
    route: 'GET /docs',
    entry: 'functions/platform/docs.ts',
    contract: platform.docsContract,
    access: {},
  },
  docsAsset: {
    kind: 'route',
    route: 'GET /docs/{asset}',
    entry: 'functions/platform/docs-asset.ts',
    contract: platform.docsAssetContract,
    access: {},
    packageFiles: { [viewer.package]: [...viewer.served, ...viewer.shipped] },
  },
  notFound: {
    kind: 'route',
    route: '$default',
    entry: 'functions/platform/not-found.ts',
    contract: platform.notFoundContract,
    access: {},
  },
  auditLog: {
    kind: 'route',
    route: 'GET /v1/audit-log',
    entry: 'functions/platform/audit-log.ts',
    contract: platform.auditLogContract,
    access: readMain,
  },
  createApiKey: {
    kind: 'route',
    route: 'POST /v1/api-keys',
    entry: 'functions/api-keys/create.ts',
    contract: apiKeys.createApiKeyContract,
    access: writeMain,
  },
  listApiKeys: {
    kind: 'route',
    route: 'GET /v1/api-keys',
    entry: 'functions/api-keys/list.ts',
    contract: apiKeys.listApiKeysContract,
    access: readMain,
  },
  getApiKey: {
    kind: 'route',
    route: 'GET /v1/api-keys/{id}',
    entry: 'functions/api-keys/get.ts',
    contract: apiKeys.getApiKeyContract,
    access: readMain,
  },
  revokeApiKey: {
    kind: 'route',
    route: 'DELETE /v1/api-keys/{id}',
    entry: 'functions/api-keys/revoke.ts',
    contract: apiKeys.revokeApiKeyContract,
    access: writeMain,
  },
  createConnection: {
    kind: 'route',
    route: 'POST /v1/connections',
    entry: 'functions/connections/create.ts',
    contract: connections.createConnectionContract,
    access: writeCredentials,
  },
  listConnections: {
    kind: 'route',
    route: 'GET /v1/connections',
    entry: 'functions/connections/list.ts',
    contract: connections.listConnectionsContract,
    access: readMain,
  },
  getConnection: {
    kind: 'route',
    route: 'GET /v1/connections/{id}',
    entry: 'functions/connections/get.ts',
    contract: connections.getConnectionContract,
    access: readMain,
  },
  updateConnection: {
    kind: 'route',
    route: 'PATCH /v1/connections/{id}',
    entry: 'functions/connections/update.ts',
    contract: connections.updateConnectionContract,
    access: writeCredentials,
  },
  deleteConnection: {
    kind: 'route',
    route: 'DELETE /v1/connections/{id}',
    entry: 'functions/connections/delete.ts',
    contract: connections.deleteConnectionContract,
    // Opens an OAuth connection's tokens to revoke them, and removes its webhook
    // subscriptions at the provider as the proxy calls it (credentials, providers' budgets).
    access: proxyWork,
    timeoutSeconds: 29,
  },
  testConnection: {
    kind: 'route',
    route: 'POST /v1/connections/{id}/test',
    entry: 'functions/connections/test.ts',
    contract: connections.testConnectionContract,
    // Refreshes OAuth tokens that are about to expire.
    access: writeCredentials,
    timeoutSeconds: 30,
  },
  connectionHealth: {
    kind: 'route',
    route: 'GET /v1/connections/{id}/health',
    entry: 'functions/connections/health.ts',
    contract: connections.connectionHealthContract,
    // The score reads the connection's 24 h rate-limit and webhook figures.
    access: readMetrics(readMain),
  },
  overview: {
    kind: 'route',
    route: 'GET /v1/overview',
    entry: 'functions/overview/get.ts',
    contract: overview.overviewContract,
    // main: write too, for the one recount of a tenant's connection counts (shared/connections/store.ts).
    access: readMetrics(writeMain),
  },
  createWebhookEndpoint: {
    kind: 'route',
    route: 'POST /v1/webhook-endpoints',
    entry: 'functions/webhooks/create.ts',
    contract: webhooks.createWebhookEndpointContract,
    access: sealWebhookSecrets,
  },
  listWebhookEndpoints: {
    kind: 'route',
    route: 'GET /v1/webhook-endpoints',
    entry: 'functions/webhooks/list.ts',
    contract: webhooks.listWebhookEndpointsContract,
    access: readMain,
  },
  getWebhookEndpoint: {
    kind: 'route',
    route: 'GET /v1/webhook-endpoints/{id}',
    entry: 'functions/webhooks/get.ts',
    contract: webhooks.getWebhookEndpointContract,
    access: readMain,
  },
  updateWebhookEndpoint: {
    kind: 'route',
    route: 'PATCH /v1/webhook-endpoints/{id}',
    entry: 'functions/webhooks/update.ts',
    contract: webhooks.updateWebhookEndpointContract,
    access: writeMain,
  },
  deleteWebhookEndpoint: {
    kind: 'route',
    route: 'DELETE /v1/webhook-endpoints/{id}',
    entry: 'functions/webhooks/delete.ts',
    contract: webhooks.deleteWebhookEndpointContract,
    access: writeMain,
  },
  rotateWebhookSecret: {
    kind: 'route',
    route: 'POST /v1/webhook-endpoints/{id}/rotate-secret',
    entry: 'functions/webhooks/rotate-secret.ts',
    contract: webhooks.rotateWebhookSecretContract,
    access: sealWebhookSecrets,
  },
  listWebhookDeliveries: {
    kind: 'route',
    route: 'GET /v1/webhook-endpoints/{id}/deliveries',
    entry: 'functions/webhooks/deliveries.ts',
    contract: deliveries.listDeliveriesContract,
    access: readMain,
  },
  retryWebhookDelivery: {
    kind: 'route',
    route: 'POST /v1/webhook-deliveries/{id}/retry',
    entry: 'functions/webhooks/retry-delivery.ts',
    contract: deliveries.retryDeliveryContract,
    access: sendFresh,
  },
  replayWebhookEndpoint: {
    kind: 'route',
    route: 'POST /v1/webhook-endpoints/{id}/replay',
    entry: 'functions/webhooks/replay.ts',
    contract: deliveries.replayContract,
    access: sendFresh,
  },
  // Sends from the route and answers the attempt: a 15 s send inside API Gateway's 30 s.
  testWebhookEndpoint: {
    kind: 'route',
    route: 'POST /v1/webhook-endpoints/{id}/test',
    entry: 'functions/webhooks/test.ts',
    contract: deliveries.testEndpointContract,
    access: readCredentials,
    timeoutSeconds: 29,
  },
  listIntegrations: {
    kind: 'route',
    route: 'GET /v1/integrations',
    entry: 'functions/integrations/list.ts',
    contract: integrations.listIntegrationsContract,
    access: readMain,
  },
  getIntegration: {
    kind: 'route',
    route: 'GET /v1/integrations/{key}',
    entry: 'functions/integrations/get.ts',
    contract: integrations.getIntegrationContract,
    access: readMain,
  },
  createIntegration: {
    kind: 'route',
    route: 'POST /v1/integrations',
    entry: 'functions/integrations/create.ts',
    contract: integrations.createIntegrationContract,
    access: writeMain,
  },
  updateIntegration: {
    kind: 'route',
    route: 'PATCH /v1/integrations/{key}',
    entry: 'functions/integrations/update.ts',
    contract: integrations.updateIntegrationContract,
    access: writeMain,
  },
  deleteIntegration: {
    kind: 'route',
    route: 'DELETE /v1/integrations/{key}',
    entry: 'functions/integrations/delete.ts',
    contract: integrations.deleteIntegrationContract,
    access: writeMain,
  },
  putOAuthClient: {
    kind: 'route',
    route: 'PUT /v1/integrations/{key}/oauth-client',
    entry: 'functions/oauth/put-client.ts',
    contract: oauth.putOAuthClientContract,
    access: writeCredentials,
  },
  getOAuthClient: {
    kind: 'route',
    route: 'GET /v1/integrations/{key}/oauth-client',
    entry: 'functions/oauth/get-client.ts',
    contract: oauth.getOAuthClientContract,
    access: readMain,
  },
  deleteOAuthClient: {
    kind: 'route',
    route: 'DELETE /v1/integrations/{key}/oauth-client',
    entry: 'functions/oauth/delete-client.ts',
    contract: oauth.deleteOAuthClientContract,
    access: writeMain,
  },
  createConnectSession: {
    kind: 'route',
    route: 'POST /v1/connect-sessions',
    entry: 'functions/oauth/create-session.ts',
    contract: oauth.createConnectSessionContract,
    access: writeCredentials,
  },
  getConnectSession: {
    kind: 'route',
    route: 'GET /v1/connect-sessions/{id}',
    entry: 'functions/oauth/get-session.ts',
    contract: oauth.getConnectSessionContract,
    access: readMain,
  },
  // The provider's redirect: no API key (the state names the session), so no tenant budget.
  oauthCallback: {
    kind: 'route',
    route: 'GET /v1/oauth/callback',
    entry: 'functions/oauth/callback.ts',
    contract: oauth.oauthCallbackContract,
    access: tokenWork,
    timeoutSeconds: 30,
  },
  // Reads the main table only to check the connection is the caller's; large payloads come from the bucket.
  listRecords: {
    kind: 'route',
    route: 'GET /v1/connections/{id}/records/{stream}',
    entry: 'functions/records/list.ts',
    contract: records.listRecordsContract,
    access: keyed({ tables: { main: 'read', records: 'read' }, bucket: 'read' }),
  },
  startSync: {
    kind: 'route',
    route: 'POST /v1/connections/{id}/syncs',
    entry: 'functions/syncs/start.ts',
    contract: syncs.startSyncContract,
    access: keyed({ tables: { main: 'readwrite' }, queues: { syncJobs: 'send' } }),
  },
  listSyncs: {
    kind: 'route',
    route: 'GET /v1/connections/{id}/syncs',
    entry: 'functions/syncs/list.ts',
    contract: syncs.listSyncsContract,
    access: readMain,
  },
  getSync: {
    kind: 'route',
    route: 'GET /v1/syncs/{runId}',
    entry: 'functions/syncs/get.ts',
    contract: syncs.getSyncContract,
    access: readMain,
  },
  cancelSync: {
    kind: 'route',
    route: 'POST /v1/syncs/{runId}/cancel',
    entry: 'functions/syncs/cancel.ts',
    contract: syncs.cancelSyncContract,
    access: writeMain,
  },
  // Fails runs whose progress stopped, so that none looks alive for ever.
  failStalledSyncs: {
    kind: 'schedule',
    entry: 'functions/syncs/stalled.ts',
    expression: 'rate(5 minutes)',
    access: { tables: { main: 'readwrite', metrics: 'write' } },
    timeoutSeconds: 120,
    settings: ['syncStallMinutes'],
    alarmMetrics: [{ name: 'SyncRunsStalled', description: 'A sync run made no progress for syncStallMinutes and was failed: a lost message, or a worker failing into the DLQ.' }],
  },
  // Starts the scheduled runs that are due (connections' syncSchedule).
  startDueSyncs: {
    kind: 'schedule',
    entry: 'functions/syncs/start-due.ts',
    expression: 'rate(1 minute)',
    access: { tables: { main: 'readwrite' }, queues: { syncJobs: 'send' } },
    timeoutSeconds: 50,
    alarmMetrics: [{ name: 'ScheduledSyncsFailed', description: 'Scheduled sync runs of a connection could not be started (retried every minute): the main table or the queue failing.' }],
  },
  bulkSyncs: {
    kind: 'route',
    route: 'POST /v1/syncs/bulk',
    entry: 'functions/syncs/bulk.ts',
    contract: syncs.bulkSyncContract,
    access: keyed({ tables: { main: 'readwrite' }, queues: { syncJobs: 'send' } }),
  },
  // The proxy: one module for its five methods. A provider's answer can take seconds: up
  // to three 8 s tries inside API Gateway's 30 s.
  proxyGet: {
    kind: 'route',
    route: 'GET /v1/connections/{id}/proxy/{path+}',
    entry: 'functions/connections/proxy.ts',
    contract: proxy.proxyGetContract,
    access: proxyWork,
    timeoutSeconds: 29,
  },
  proxyPost: {
    kind: 'route',
    route: 'POST /v1/connections/{id}/proxy/{path+}',
    entry: 'functions/connections/proxy.ts',
    contract: proxy.proxyPostContract,
    access: proxyWork,
    timeoutSeconds: 29,
  },
  proxyPut: {
    kind: 'route',
    route: 'PUT /v1/connections/{id}/proxy/{path+}',
    entry: 'functions/connections/proxy.ts',
    contract: proxy.proxyPutContract,
    access: proxyWork,
    timeoutSeconds: 29,
  },
  proxyPatch: {
    kind: 'route',
    route: 'PATCH /v1/connections/{id}/proxy/{path+}',
    entry: 'functions/connections/proxy.ts',
    contract: proxy.proxyPatchContract,
    access: proxyWork,
    timeoutSeconds: 29,
  },
  proxyDelete: {
    kind: 'route',
    route: 'DELETE /v1/connections/{id}/proxy/{path+}',
    entry: 'functions/connections/proxy.ts',
    contract: proxy.proxyDeleteContract,
    access: proxyWork,
    timeoutSeconds: 29,
  },
  // One page of one stream per message; a provider's page can take seconds to arrive.
  syncWorker: {
    kind: 'consumer',
    entry: 'functions/syncs/worker.ts',
    queue: 'syncJobs',
    batchSize: 5,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 60,
    access: syncWork,
  },
  listEvents: {
    kind: 'route',
    route: 'GET /v1/events',
    entry: 'functions/events/list.ts',
    contract: events.listEventsContract,
    access: readMain,
  },
  getEvent: {
    kind: 'route',
    route: 'GET /v1/events/{id}',
    entry: 'functions/events/get.ts',
    contract: events.getEventContract,
    access: readMain,
  },
  // One attempt per message; the delivery queues' 180 s visibility is 6x its timeout
  // (a 15 s send, then the attempt recorded and the next one scheduled). It opens signing
  // secrets, records attempts, disables endpoints (410, or failing too long), schedules
  // retries on the retry lane, counts each endpoint's deliveries per second.
  deliverWebhooks: {
    kind: 'consumer',
    entry: 'functions/webhooks/deliver.ts',
    queue: 'deliveries',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 30,
    settings: ['webhookDisableAfterDays'],
    // How many batches of first attempts go out at once, for the whole deployment.
    maxConcurrencySetting: 'deliveryMaxConcurrency',
    access: deliveryWork,
  },
  // The same worker on the retry lane, capped on its own: failing receivers share it.
  deliverWebhookRetries: {
    kind: 'consumer',
    entry: 'functions/webhooks/deliver.ts',
    queue: 'deliveryRetries',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 30,
    settings: ['webhookDisableAfterDays'],
    maxConcurrencySetting: 'deliveryRetryMaxConcurrency',
    access: deliveryWork,
  },
  // A provider's webhook: no API key, so no tenant budget; the connection's own (limits
  // table), its sealed webhook secret (key), the event with its outbox item, the queue, and
  // the bucket for bodies too large for the event.
  receiveHook: {
    kind: 'route',
    route: 'POST /v1/hooks/{integration}/{connectionId}',
    entry: 'functions/inbound/receive.ts',
    contract: inbound.receiveHookContract,
    access: { tables: { main: 'readwrite', limits: 'write', metrics: 'write' }, key: 'decrypt', queues: { inboundEvents: 'send' }, bucket: 'write' },
  },
  listInboundEvents: {
    kind: 'route',
    route: 'GET /v1/connections/{id}/inbound-events',
    entry: 'functions/inbound/list.ts',
    contract: inbound.listInboundEventsContract,
    access: readMain,
  },
  // An event's body: from its inbound.received event (main table) or the bucket.
  readInboundPayload: {
    kind: 'route',
    route: 'GET /v1/connections/{id}/inbound-events/{eventId}/payload',
    entry: 'functions/inbound/payload.ts',
    contract: inbound.readInboundPayloadContract,
    access: keyed({ tables: { main: 'read' }, bucket: 'read' }),
  },
  // Subscriptions made through the provider's API: the proxy's access (credentials, the
  // providers' budgets), and sealing a new webhook secret into the connection's credentials.
  createWebhookSubscription: {
    kind: 'route',
    route: 'POST /v1/connections/{id}/webhook-subscriptions',
    entry: 'functions/inbound/subscribe.ts',
    contract: inbound.createWebhookSubscriptionContract,
    access: proxyWork,
    timeoutSeconds: 29,
  },
  listWebhookSubscriptions: {
    kind: 'route',
    route: 'GET /v1/connections/{id}/webhook-subscriptions',
    entry: 'functions/inbound/list-subscriptions.ts',
    contract: inbound.listWebhookSubscriptionsContract,
    access: readMain,
  },
  deleteWebhookSubscription: {
    kind: 'route',
    route: 'DELETE /v1/connections/{id}/webhook-subscriptions/{subscriptionId}',
    entry: 'functions/inbound/unsubscribe.ts',
    contract: inbound.deleteWebhookSubscriptionContract,
    access: proxyWork,
    timeoutSeconds: 29,
  },
  // Starts (or coalesces) the syncs inbound events ask for; the 180 s visibility is 6x its timeout.
  routeInboundEvents: {
    kind: 'consumer',
    entry: 'functions/inbound/worker.ts',
    queue: 'inboundEvents',
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 30,
    access: { tables: { main: 'readwrite', metrics: 'write' }, queues: { syncJobs: 'send', inboundEvents: 'send' } },
  },
  refreshExpiringTokens: {
    kind: 'schedule',
    entry: 'functions/oauth/refresh-expiring.ts',
    expression: 'rate(5 minutes)',
    access: tokenWork,
    timeoutSeconds: 240,
  },
  // The outbox relay: DynamoDB Streams hands it each event the change's own transaction
  // wrote, so there is no second write (to SQS) that a crash between the two could lose.
  webhookRelay: {
    kind: 'stream',
    entry: 'functions/webhooks/relay.ts',
    table: 'main',
    sortKeyPrefix: 'EVENT#',
    batchSize: 100,
    retryAttempts: 10,
    access: { tables: { main: 'read' }, queues: { deliveries: 'send' } },
  },
  // Upload sessions (docs/uploads.md): the session in the main table, its object in the bucket.
  createUpload: {
    kind: 'route',
    route: 'POST /v1/uploads',
    entry: 'functions/uploads/create.ts',
    contract: uploads.createUploadContract,
    access: keyed({ tables: { main: 'readwrite' }, bucket: 'write' }),
    settings: ['uploadContentTypes', 'uploadTenantQuotaGiB', 'uploadTenantOpenSessions'],
  },
  listUploads: {
    kind: 'route',
    route: 'GET /v1/uploads',
    entry: 'functions/uploads/list.ts',
    contract: uploads.listUploadsContract,
    access: readMain,
  },
  getUpload: {
    kind: 'route',
    route: 'GET /v1/uploads/{id}',
    entry: 'functions/uploads/get.ts',
    contract: uploads.getUploadContract,
    access: readMain,
  },
  // Presigned URLs act with the signer's permissions: this role must be allowed the PUT.
  presignUploadParts: {
    kind: 'route',
    route: 'POST /v1/uploads/{id}/parts',
    entry: 'functions/uploads/presign-parts.ts',
    contract: uploads.presignPartsContract,
    access: keyed({ tables: { main: 'readwrite' }, bucket: 'write' }),
  },
  recordUploadPart: {
    kind: 'route',
    route: 'PUT /v1/uploads/{id}/parts/{partNumber}',
    entry: 'functions/uploads/record-part.ts',
    contract: uploads.recordPartContract,
    access: writeMain,
  },
  // Up to inlineVerifyMaxMiB the object is read back and hashed within API Gateway's 29 s.
  completeUpload: {
    kind: 'route',
    route: 'POST /v1/uploads/{id}/complete',
    entry: 'functions/uploads/complete.ts',
    contract: uploads.completeUploadContract,
    access: keyed({ tables: { main: 'readwrite' }, bucket: 'readwrite', queues: { uploadCompletions: 'send' } }),
    settings: ['uploadInlineVerifyMaxMiB'],
    timeoutSeconds: 29,
  },
  extendUpload: {
    kind: 'route',
    route: 'POST /v1/uploads/{id}/extend',
    entry: 'functions/uploads/extend.ts',
    contract: uploads.extendUploadContract,
    access: writeMain,
  },
  cancelUpload: {
    kind: 'route',
    route: 'DELETE /v1/uploads/{id}',
    entry: 'functions/uploads/cancel.ts',
    contract: uploads.cancelUploadContract,
    access: keyed({ tables: { main: 'readwrite' }, bucket: 'write' }),
  },
  downloadUpload: {
    kind: 'route',
    route: 'GET /v1/uploads/{id}/download',
    entry: 'functions/uploads/download.ts',
    contract: uploads.downloadUploadContract,
    access: keyed({ tables: { main: 'read' }, bucket: 'read' }),
  },
  // Large uploads' completion: reading a big object back takes Lambda's whole 15 minutes.
  finishUploads: {
    kind: 'consumer',
    entry: 'functions/uploads/complete-worker.ts',
    queue: 'uploadCompletions',
    batchSize: 1,
    maxBatchingWindowSeconds: 0,
    timeoutSeconds: 900,
    memoryMb: 1024,
    access: { tables: { main: 'readwrite', metrics: 'write' }, bucket: 'readwrite' },
  },
  expireUploads: {
    kind: 'schedule',
    entry: 'functions/uploads/expire.ts',
    expression: 'rate(15 minutes)',
    access: { tables: { main: 'readwrite' }, bucket: 'write' },
    timeoutSeconds: 240,
  },
  // Per-tenant metrics (docs/monitoring.md): series and error groups in the metrics table.
  getMetrics: {
    kind: 'route',
    route: 'GET /v1/metrics',
    entry: 'functions/metrics/get.ts',
    contract: metrics.getMetricsContract,
    access: keyed({ tables: { metrics: 'read' } }),
  },
  listErrorGroups: {
    kind: 'route',
    route: 'GET /v1/errors',
    entry: 'functions/metrics/errors.ts',
    contract: metrics.listErrorGroupsContract,
    access: keyed({ tables: { metrics: 'read' } }),
  },
  // Folds the raw per-minute counters into the minute/hour/day series (shared/metrics/rollup.ts).
  rollupMetrics: {
    kind: 'schedule',
    entry: 'functions/metrics/rollup.ts',
    expression: 'rate(1 minute)',
    access: { tables: { metrics: 'readwrite' } },
    timeoutSeconds: 50,
  },
  // Alert rules and alerts (docs/alerts.md). Creating and changing a rule seals its Slack URL.
  createAlertRule: {
    kind: 'route',
    route: 'POST /v1/alert-rules',
    entry: 'functions/alerts/create-rule.ts',
    contract: alerts.createAlertRuleContract,
    access: keyed({ tables: { main: 'readwrite' }, key: 'encrypt' }),
  },
  listAlertRules: {
    kind: 'route',
    route: 'GET /v1/alert-rules',
    entry: 'functions/alerts/list-rules.ts',
    contract: alerts.listAlertRulesContract,
    access: readMain,
  },
  getAlertRule: {
    kind: 'route',
    route: 'GET /v1/alert-rules/{id}',
    entry: 'functions/alerts/get-rule.ts',
    contract: alerts.getAlertRuleContract,
    access: readMain,
  },
  updateAlertRule: {
    kind: 'route',
    route: 'PATCH /v1/alert-rules/{id}',
    entry: 'functions/alerts/update-rule.ts',
    contract: alerts.updateAlertRuleContract,
    access: keyed({ tables: { main: 'readwrite' }, key: 'encrypt' }),
  },
  deleteAlertRule: {
    kind: 'route',
    route: 'DELETE /v1/alert-rules/{id}',
    entry: 'functions/alerts/delete-rule.ts',
    contract: alerts.deleteAlertRuleContract,
    access: writeMain,
  },
  listAlerts: {
    kind: 'route',
    route: 'GET /v1/alerts',
    entry: 'functions/alerts/list.ts',
    contract: alerts.listAlertsContract,
    access: readMain,
  },
  acknowledgeAlert: {
    kind: 'route',
    route: 'POST /v1/alerts/{id}/acknowledge',
    entry: 'functions/alerts/acknowledge.ts',
    contract: alerts.acknowledgeAlertContract,
    access: writeMain,
  },
  // Opens, repeats and resolves alerts, and notifies their channels (shared/alerts/evaluator.ts).
  evaluateAlerts: {
    kind: 'schedule',
    entry: 'functions/alerts/evaluate.ts',
    expression: 'rate(1 minute)',
    access: { tables: { main: 'readwrite', metrics: 'read' }, key: 'decrypt', email: 'send' },
    timeoutSeconds: 50,
    settings: ['alertEmailFrom'],
    alarmMetrics: [
      { name: 'AlertRulesFailed', description: 'Alert rules could not be evaluated (retried every minute): the main or metrics table failing.' },
      { name: 'AlertNotificationsFailed', description: 'An alert notification to Slack or email failed; the alert shows which channel and why.' },
    ],
  },
};

export const declaration: Declaration = { resources, api, functions };
