import { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { routesOf } from '../../infra/declaration';
import { declaration } from '../../infra/functions';
import { operatorAudit } from '../../shared/platform/audit';
import { newId } from '../../shared/platform/ids';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { recordStore } from '../../shared/records/store';
import { eventPut } from '../../shared/events/store';
import { payloadUrlOf, type InboundEvent } from '../../shared/inbound/schema';
import { inboundStore } from '../../shared/inbound/store';
import { webhookSubscriptionStore } from '../../shared/inbound/subscription-store';
import { deliveryIdOf } from '../../shared/webhooks/delivery-message';
import { plantFiringAlert } from '../support/alerts';
import { localDynamoDb } from '../support/dynamodb';
import { customIntegration, goodBodies, oauthOf } from '../support/good-bodies';
import { queuedRun } from '../support/syncs';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Every tenant's data is reachable only with that tenant's key, on every declared route,
 * new ones included. Tenant "local" owns one resource of each kind, each named with a
 * marker; a rival tenant with every scope calls every route, aimed at those resources,
 * with good bodies and the owner's current versions. Each aimed call must answer 404
 * (not 403 or 412, which would say the resource exists), no answer may carry the marker
 * or an owner's id the caller did not send, and afterwards the owner's resources are as
 * they were.
 */
let runtime: TestRuntime;
let rivalKey: string;
const marker = `mark${randomBytes(6).toString('hex')}`;
const owned = { stream: 'customers', apiKey: '', connection: '', integration: `own-${randomBytes(3).toString('hex')}`, oauthIntegration: `own-oauth-${randomBytes(3).toString('hex')}`, session: '', event: '', webhookEndpoint: '', run: '', upload: '', subscription: '', inbound: '', alertRule: '', alert: '' };

/** A custom OAuth2 integration: its client and connect sessions are the owner's too. */
const oauthIntegration = {
  ...customIntegration(owned.oauthIntegration),
  name: `${marker} OAuth`,
  ...oauthOf(),
};

/** Each owned resource, as its owner reads it, with the ETag it answered. */
const ownedPaths = () => [
  `/v1/api-keys/${owned.apiKey}`,
  `/v1/connections/${owned.connection}`,
  `/v1/connections/${owned.connection}/records/${owned.stream}`,
  `/v1/integrations/${owned.integration}`,
  `/v1/integrations/${owned.oauthIntegration}`,
  `/v1/integrations/${owned.oauthIntegration}/oauth-client`,
  `/v1/connect-sessions/${owned.session}`,
  `/v1/events/${owned.event}`,
  `/v1/webhook-endpoints/${owned.webhookEndpoint}`,
  `/v1/syncs/${owned.run}`,
  `/v1/connections/${owned.connection}/syncs`,
  `/v1/uploads/${owned.upload}`,
  `/v1/connections/${owned.connection}/webhook-subscriptions`,
  `/v1/connections/${owned.connection}/inbound-events/${owned.inbound}/payload`,
  `/v1/alert-rules/${owned.alertRule}`,
  `/v1/alerts?ruleId=${owned.alertRule}`,
];

async function ownerView() {
  return Promise.all(
    ownedPaths().map(async (path) => {
      const response = await runtime.call(path);
      return { path, status: response.status, etag: response.headers.get('etag'), body: await response.json() };
    }),
  );
}

function aimAt(pattern: string): string {
  return pattern
    .replace('/v1/api-keys/{id}', `/v1/api-keys/${owned.apiKey}`)
    .replace('/v1/connections/{id}', `/v1/connections/${owned.connection}`)
    .replace('/records/{stream}', `/records/${owned.stream}`)
    // A path of the owner's provider (Stripe): the proxy must not reach it for another tenant.
    .replace('/proxy/{path+}', '/proxy/v1/customers')
    .replace('/v1/connect-sessions/{id}', `/v1/connect-sessions/${owned.session}`)
    .replace('/v1/events/{id}', `/v1/events/${owned.event}`)
    .replace('/v1/webhook-endpoints/{id}', `/v1/webhook-endpoints/${owned.webhookEndpoint}`)
    .replace('/v1/alert-rules/{id}', `/v1/alert-rules/${owned.alertRule}`)
    .replace('/v1/alerts/{id}', `/v1/alerts/${owned.alert}`)
    .replace('/v1/syncs/{runId}', `/v1/syncs/${owned.run}`)
    .replace('/v1/uploads/{id}', `/v1/uploads/${owned.upload}`)
    .replace('{partNumber}', '1')
    .replace('{subscriptionId}', owned.subscription)
    .replace('{eventId}', owned.inbound)
    // The delivery of the owner's event to the owner's endpoint, by its derived id.
    .replace('/v1/webhook-deliveries/{id}', `/v1/webhook-deliveries/${deliveryIdOf(owned.event, owned.webhookEndpoint)}`)
    .replace('/v1/integrations/{key}/oauth-client', `/v1/integrations/${owned.oauthIntegration}/oauth-client`)
    .replace('/v1/integrations/{key}', `/v1/integrations/${owned.integration}`);
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(store, 'Rival', 'rival');
  rivalKey = (await createApiKey(store, operatorAudit('rival', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write', 'admin'] })).secret;

  const made = async (path: string, method: string, json: unknown) => {
    const response = await runtime.call(path, { method, json });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  owned.apiKey = (await made('/v1/api-keys', 'POST', { name: `${marker} key`, scopes: ['read'] })).id;
  owned.connection = (await made('/v1/connections', 'POST', { ...goodBodies['POST /v1/connections']!(), name: `${marker} connection` })).id;
  await made('/v1/integrations', 'POST', { ...customIntegration(owned.integration), name: `${marker} integration` });
  await made('/v1/integrations', 'POST', oauthIntegration);
  await made(`/v1/integrations/${owned.oauthIntegration}/oauth-client`, 'PUT', { clientId: `${marker}-client`, clientSecret: `${marker}-secret` });
  owned.session = (await made('/v1/connect-sessions', 'POST', { integration: owned.oauthIntegration, returnUrl: `https://${marker}.example.com/done` })).id;
  owned.webhookEndpoint = (await made('/v1/webhook-endpoints', 'POST', { ...goodBodies['POST /v1/webhook-endpoints']!(), description: `${marker} endpoint` })).id;
  // An alert rule, and a firing alert of it as the evaluator opens one: both carry the marker.
  owned.alertRule = (await made('/v1/alert-rules', 'POST', { ...goodBodies['POST /v1/alert-rules']!(), name: `${marker} rule` })).id;
  owned.alert = await plantFiringAlert(store, 'local', owned.alertRule, `${marker} rule`);
  // An active 10-byte upload (no part checksums), so the good part bodies fit it.
  owned.upload = (await made('/v1/uploads', 'POST', { filename: `${marker}.bin`, size: 10, contentType: 'application/octet-stream' })).id;
  // The event of the owner's connection: it carries the marker (the connection's name).
  owned.event = (await made(`/v1/events?type=connection.created`, 'GET', undefined)).data.find((event: { data: { id: string } }) => event.data.id === owned.connection).id;
  // Synced records of the owner's connection, as the sync worker writes them.
  const records = recordStore({
    table: { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.RECORDS_TABLE_NAME! },
    bucket: { s3: new S3Client({ endpoint: runtime.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true }), name: runtime.env.UPLOADS_BUCKET_NAME! },
  });
  await records.writePage('local', owned.connection, owned.stream, 'run_isolation', [{ key: `${marker}-record`, payload: { name: `${marker} customer` } }]);
  // A run of the owner's connection that stays queued, so the views before and after match.
  owned.run = (await queuedRun(runtime, 'local', owned.connection, ['charges'])).id;
  // A webhook subscription of the owner's connection, as the registration stores it (its provider is not reached here).
  owned.subscription = newId('whsub');
  await webhookSubscriptionStore(store).create('local', {
    id: owned.subscription, connectionId: owned.connection, integration: 'stripe', providerId: `we_${marker}`, events: ['customer.created'], params: {},
    url: `https://junction.example/v1/hooks/stripe/${owned.connection}`, createdAt: new Date().toISOString(),
  }, []);
  // A provider's webhook to the owner's connection, as the receiver stores it: its body carries the marker.
  owned.inbound = newId('inb');
  const at = new Date();
  const body = JSON.stringify({ id: `evt_${marker}`, type: 'customer.created' });
  const inbound: Omit<InboundEvent, 'payloadUrl'> = {
    id: owned.inbound, connectionId: owned.connection, integration: 'stripe', deliveryId: `evt_${marker}`, eventType: 'customer.created',
    status: 'processed', receivedAt: at.toISOString(), processedAt: at.toISOString(), contentType: 'application/json', bodyBytes: body.length, sync: null,
  };
  const outbox = eventPut(store.table, 'local', 'inbound.received', { ...inbound, payloadUrl: payloadUrlOf(owned.connection, owned.inbound), payload: body }, at);
  const seconds = Math.floor(at.getTime() / 1000);
  await inboundStore(store).receive('local', { ...inbound, eventId: String(outbox.Put!.Item!.id), expiresAt: seconds + 86_400 }, [], [outbox], seconds + 86_400);
});
afterAll(() => runtime.stop());

describe("another tenant's key", () => {
  it('reaches none of the owner\'s resources on any route, and changes none of them', async () => {
    const before = await ownerView();
    expect(before.map((view) => view.status)).toEqual(ownedPaths().map(() => 200));
    const ownerIds = [owned.apiKey, owned.connection, owned.integration, owned.oauthIntegration, owned.session, owned.event, owned.webhookEndpoint, owned.run, owned.upload, owned.subscription, owned.inbound, owned.alertRule, owned.alert];

    // Deletes last, so that every other route still finds the owner's resources there.
    // Public routes with a path parameter (the docs viewer's files) name no tenant's resource.
    const routes = routesOf(declaration)
      .filter(([, route]) => !(route.contract.scope === null && route.route.includes('{')))
      .map(([, route]) => route.route)
      .filter((routeKey) => routeKey !== '$default')
      .sort((a, b) => Number(a.startsWith('DELETE')) - Number(b.startsWith('DELETE')));
    const wrong: string[] = [];
    for (const routeKey of routes) {
      const [method, pattern] = routeKey.split(' ') as [string, string];
      const path = aimAt(pattern);
      if (path.includes('{')) {
        wrong.push(`${routeKey}: no owned resource to aim it at; give the owner one in this test`);
        continue;
      }
      const good = goodBodies[routeKey];
      const ownerVersion = before.find((view) => path.startsWith(view.path))?.etag;
      const response = await runtime.call(path, {
        method,
        key: rivalKey,
        headers: { 'idempotency-key': randomBytes(8).toString('hex'), ...(ownerVersion ? { 'if-match': ownerVersion } : {}) },
        ...(good ? { json: good() } : {}),
        redirect: 'manual',
      });
      const text = await response.text();
      if (pattern.includes('{') && response.status !== 404) wrong.push(`${method} ${path}: ${response.status}, not 404: ${text.slice(0, 160)}`);
      // An answer may repeat what the caller sent (the 404's detail and instance), nothing else.
      for (const leaked of [marker, ...ownerIds.filter((id) => !path.includes(id))]) {
        if (text.includes(leaked)) wrong.push(`${method} ${path}: the answer carries ${leaked === marker ? 'the marker' : leaked}`);
      }
    }
    expect(wrong).toEqual([]);

    // The owner's resources are unchanged, versions included.
    const after = await ownerView();
    expect(after).toEqual(before);
    // Every route once, each function's first call a cold start of its container: longer than one request's test.
  }, 240_000);
});
