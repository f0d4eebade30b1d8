import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { operatorAudit } from '../../shared/platform/audit';
import { createApiKey, createTenant } from '../../shared/tenancy/service';
import { maxHookBodyBytes } from '../../shared/inbound/contracts';
import { InboundEvent } from '../../shared/inbound/schema';
import { maxEventPayloadBytes, receivePerSecond } from '../../shared/inbound/service';
import { inboundBodyKey } from '../../shared/inbound/store';
import { localTenantId } from '../../infra/local/runtime';
import { localDynamoDb } from '../support/dynamodb';
import { customIntegration, stripeKey } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Provider webhooks through the local gateway: each scheme's genuine signatures (made by
 * the providers' own libraries, or their documented vectors) accepted on the raw bytes,
 * everything else refused with 401 and nothing stored; one delivery stored once however
 * many copies arrive; events listed, sent on as `inbound.received`, and routed to one
 * coalesced sync run.
 */
let runtime: TestRuntime;
let rivalKey: string;
const stripe = new Stripe('sk_test_unused');
const secrets = {
  stripe: `whsec_${randomBytes(16).toString('hex')}`,
  github: "It's a Secret to Everybody",
  shopify: `shpss_${randomBytes(16).toString('hex')}`,
  slack: randomBytes(16).toString('hex'),
  openai: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};
const ids: Record<string, string> = {};

async function connect(json: Record<string, unknown>, key?: string): Promise<string> {
  const response = await runtime.call('/v1/connections', { method: 'POST', json, ...(key ? { key } : {}) });
  expect(response.status).toBe(201);
  return (await response.json()).id;
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  const store = { db: localDynamoDb(runtime.dynamodbEndpoint), table: runtime.env.MAIN_TABLE_NAME! };
  await createTenant(store, 'Rival', 'rival-inbound');
  rivalKey = (await createApiKey(store, operatorAudit('rival-inbound', 'test', 'api_key.create'), { name: 'rival', scopes: ['read', 'write'] })).secret;
  ids.stripe = await connect({ integration: 'stripe', name: 'Payments', credentials: { apiKey: stripeKey(), webhookSecret: secrets.stripe } });
  ids.github = await connect({ integration: 'github', name: 'Repos', credentials: { token: `ghp_${randomBytes(18).toString('hex')}`, webhookSecret: secrets.github } });
  ids.shopify = await connect({ integration: 'shopify', name: 'Shop', params: { shop: 'acme' }, credentials: { apiKey: `shpat_${randomBytes(16).toString('hex')}`, webhookSecret: secrets.shopify } });
  ids.slack = await connect({ integration: 'slack', name: 'Workspace', authType: 'bearer', credentials: { token: 'xoxb-1-2-abc', webhookSecret: secrets.slack } });
  ids.openai = await connect({ integration: 'openai', name: 'Models', credentials: { apiKey: `sk-${randomBytes(8).toString('hex')}`, webhookSecret: secrets.openai } });
  ids.rivalGithub = await connect({ integration: 'github', name: 'Rival repos', credentials: { token: `ghp_${randomBytes(18).toString('hex')}`, webhookSecret: 'the rival tenant secret' } }, rivalKey);
});
afterAll(() => runtime.stop());

const hook = (integration: string, connectionId: string, body: string | Buffer, headers: Record<string, string>) =>
  runtime.call(`/v1/hooks/${integration}/${connectionId}`, { method: 'POST', key: null, body, headers: { 'content-type': 'application/json', ...headers } });

async function listed(connectionId: string, key?: string): Promise<InboundEvent[]> {
  const response = await runtime.call(`/v1/connections/${connectionId}/inbound-events?limit=100`, key ? { key } : {});
  expect(response.status).toBe(200);
  const body = await response.json();
  for (const event of body.data) expect(InboundEvent().parse(event)).toEqual(event);
  return body.data;
}

async function receivedEvents(): Promise<Array<{ data: { id: string; payload: string | null } }>> {
  return (await (await runtime.call('/v1/events?type=inbound.received&limit=100')).json()).data;
}

async function expectRefused(response: Response, status = 401) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('stripe', () => {
  const payload = () => JSON.stringify({ id: `evt_${randomBytes(8).toString('hex')}`, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } });
  const header = (body: string, timestamp = Math.floor(Date.now() / 1000)) => stripe.webhooks.generateTestHeaderString({ payload: body, secret: secrets.stripe, timestamp });

  it('accepts a header from generateTestHeaderString: 202, listed, sent on as inbound.received with the body', async () => {
    const body = payload();
    const response = await hook('stripe', ids.stripe!, body, { 'stripe-signature': header(body) });
    expect(response.status).toBe(202);
    const answer = await response.json();
    expect(answer).toEqual({ received: true, duplicate: false, id: expect.stringMatching(/^inb_/) });
    const [event] = await listed(ids.stripe!);
    expect(event).toMatchObject({ id: answer.id, deliveryId: JSON.parse(body).id, eventType: 'payment_intent.succeeded', status: 'processed', sync: null, bodyBytes: body.length });
    expect((await receivedEvents()).find((e) => e.data.id === answer.id)?.data.payload).toBe(body);
  });

  it('refuses one changed byte and a timestamp outside the tolerance: 401 problem+json, nothing stored, nothing sent on', async () => {
    const before = [(await listed(ids.stripe!)).length, (await receivedEvents()).length];
    const body = payload();
    const changed = body.replace('pi_1', 'pi_2');
    await expectRefused(await hook('stripe', ids.stripe!, changed, { 'stripe-signature': header(body) }));
    await expectRefused(await hook('stripe', ids.stripe!, body, { 'stripe-signature': header(body, Math.floor(Date.now() / 1000) - 301) }));
    expect([(await listed(ids.stripe!)).length, (await receivedEvents()).length]).toEqual(before);
  });
});

describe('github', () => {
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('accepts the documented vector on the exact bytes', async () => {
    const delivery = randomUUID();
    const response = await hook('github', ids.github!, 'Hello, World!', { 'content-type': 'text/plain', 'x-hub-signature-256': documented, 'x-github-delivery': delivery, 'x-github-event': 'push' });
    expect(response.status).toBe(202);
    expect((await listed(ids.github!)).find((e) => e.deliveryId === delivery)).toMatchObject({ eventType: 'push', contentType: 'text/plain', bodyBytes: 13 });
  });

  it.each([
    ['a missing header', {}],
    ['sha1=', { 'x-hub-signature-256': 'sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0' }],
    ['truncated hex', { 'x-hub-signature-256': documented.slice(0, 40) }],
  ])('refuses %s with 401', async (_what, signature) => {
    await expectRefused(await hook('github', ids.github!, 'Hello, World!', { 'x-github-delivery': randomUUID(), 'x-github-event': 'push', ...signature }));
  });

  it('answers ping 200 and stores nothing', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const before = (await listed(ids.github!)).length;
    const response = await hook('github', ids.github!, body, { 'x-hub-signature-256': await githubSign(secrets.github, body), 'x-github-delivery': randomUUID(), 'x-github-event': 'ping' });
    expect(response.status).toBe(200);
    expect((await listed(ids.github!)).length).toBe(before);
  });

  it("refuses tenant A's valid signature on tenant B's connection URL with 401", async () => {
    const body = JSON.stringify({ action: 'opened' });
    const response = await hook('github', ids.rivalGithub!, body, { 'x-hub-signature-256': await githubSign(secrets.github, body), 'x-github-delivery': randomUUID(), 'x-github-event': 'issues' });
    await expectRefused(response);
    expect(await listed(ids.rivalGithub!, rivalKey)).toEqual([]);
  });

  it('starts one incremental run for a burst of events of one repository, and marks each event with it', async () => {
    const body = JSON.stringify({ action: 'edited', issue: { number: 1 }, repository: { name: 'api', owner: { login: 'acme' } } });
    const signature = await githubSign(secrets.github, body);
    const burst = await Promise.all(
      Array.from({ length: 15 }, () => hook('github', ids.github!, body, { 'x-hub-signature-256': signature, 'x-github-delivery': randomUUID(), 'x-github-event': 'issues' })),
    );
    expect(burst.map((r) => r.status)).toEqual(burst.map(() => 202));
    const burstIds = new Set(await Promise.all(burst.map(async (r) => (await r.json()).id as string)));
    const events = await until(
      async () => (await listed(ids.github!)).filter((e) => burstIds.has(e.id)),
      (found) => found.length === 15 && found.every((e) => e.status === 'processed'),
      'the burst to be routed',
    );
    const runs = (await (await runtime.call(`/v1/connections/${ids.github}/syncs`)).json()).data;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ mode: 'incremental', streams: [{ name: 'issues', params: { owner: 'acme', repo: 'api' } }] });
    expect(events.map((e) => e.sync?.outcome).filter((o) => o === 'started')).toHaveLength(1);
    // Every other event found the run started after it arrived, or waits behind it.
    expect(events.every((e) => ['started', 'coalesced', 'deferred'].includes(e.sync!.outcome!))).toBe(true);
    expect(events.filter((e) => e.sync!.outcome !== 'deferred').every((e) => e.sync!.runId === runs[0].id)).toBe(true);
  });
});

describe('slack', () => {
  const sign = (timestamp: number, body: string) => `v0=${createHmac('sha256', secrets.slack).update(`v0:${timestamp}:${body}`).digest('hex')}`;

  it('answers url_verification with its challenge', async () => {
    const body = JSON.stringify({ token: 't', challenge: 'c-3pO', type: 'url_verification' });
    const now = Math.floor(Date.now() / 1000);
    const response = await hook('slack', ids.slack!, body, { 'x-slack-signature': sign(now, body), 'x-slack-request-timestamp': String(now) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'c-3pO' });
  });

  it('accepts a form-encoded body signed inside the window and refuses the documented vector, signed in 2018', async () => {
    const body = 'token=x&team_id=T1&command=%2Fdeploy&text=now';
    const now = Math.floor(Date.now() / 1000);
    const accepted = await hook('slack', ids.slack!, body, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': sign(now - 290, body), 'x-slack-request-timestamp': String(now - 290) });
    expect(accepted.status).toBe(202);
    const vector = await hook('slack', ids.slack!, body, { 'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503', 'x-slack-request-timestamp': '1531420618' });
    await expectRefused(vector);
    expect((await vector.json()).detail).toMatch(/300 s/);
  });
});

describe('shopify', () => {
  const body = JSON.stringify({ id: 820982911946154508, email: 'jon@example.com' });
  const digest = () => createHmac('sha256', secrets.shopify).update(body).digest();

  it('accepts a base64 HMAC; refuses hex (401) and a delivery without a webhook id (400)', async () => {
    const headers = { 'x-shopify-topic': 'customers/update', 'x-shopify-shop-domain': 'acme.myshopify.com' };
    const ok = await hook('shopify', ids.shopify!, body, { ...headers, 'x-shopify-hmac-sha256': digest().toString('base64'), 'x-shopify-webhook-id': randomUUID() });
    expect(ok.status).toBe(202);
    await expectRefused(await hook('shopify', ids.shopify!, body, { ...headers, 'x-shopify-hmac-sha256': digest().toString('hex'), 'x-shopify-webhook-id': randomUUID() }));
    await expectRefused(await hook('shopify', ids.shopify!, body, { ...headers, 'x-shopify-hmac-sha256': digest().toString('base64') }), 400);
  });
});

describe('deduplication', () => {
  const signed = (id: string) => {
    const body = JSON.stringify({ type: 'response.completed', data: { id: 'resp_1' } });
    const at = new Date();
    return { body, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secrets.openai).sign(id, at, body) } };
  };

  it('processes the same delivery twice once: the second copy is answered 200 duplicate', async () => {
    const { body, headers } = signed(`msg_${randomBytes(8).toString('hex')}`);
    const first = await hook('openai', ids.openai!, body, headers);
    const second = await hook('openai', ids.openai!, body, headers);
    expect([first.status, second.status]).toEqual([202, 200]);
    const [a, b] = [await first.json(), await second.json()];
    expect(b).toEqual({ received: true, duplicate: true, id: a.id });
    expect((await listed(ids.openai!)).filter((e) => e.deliveryId === headers['webhook-id'])).toHaveLength(1);
  });

  it('stores one of 20 concurrent copies, and answers every copy 2xx', async () => {
    const { body, headers } = signed(`msg_${randomBytes(8).toString('hex')}`);
    const responses = await Promise.all(Array.from({ length: 20 }, () => hook('openai', ids.openai!, body, headers)));
    expect(responses.map((r) => r.status).sort()).toEqual([...Array(19).fill(200), 202]);
    expect((await listed(ids.openai!)).filter((e) => e.deliveryId === headers['webhook-id'])).toHaveLength(1);
    expect((await receivedEvents()).filter((e) => (e.data as { deliveryId?: string }).deliveryId === headers['webhook-id'])).toHaveLength(1);
  });
});

describe('limits and addresses', () => {
  it('answers an unknown integration, an unknown connection and a mismatched pair with the same 404', async () => {
    const answers = await Promise.all([
      hook('nope', ids.stripe!, '{}', {}),
      hook('stripe', 'conn_01JCZ8X7Q4B3N5M6P7R8S9T0V1', '{}', {}),
      hook('github', ids.stripe!, '{}', {}),
    ]);
    const details = await Promise.all(answers.map(async (r) => [r.status, (await r.json()).detail]));
    expect(details).toEqual([[404, 'no webhook receiver at this URL'], [404, 'no webhook receiver at this URL'], [404, 'no webhook receiver at this URL']]);
  });

  it("answers 429 problem+json past the connection's deliveries per second", async () => {
    const connectionId = await connect({ integration: 'stripe', name: 'Flooded', credentials: { apiKey: stripeKey(), webhookSecret: secrets.stripe } });
    const responses = await Promise.all(Array.from({ length: receivePerSecond * 3 }, () => hook('stripe', connectionId, '{}', { 'stripe-signature': 't=1,v1=00' })));
    const limited = responses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('content-type')).toBe('application/problem+json');
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
    expect(responses.filter((r) => r.status !== 429).every((r) => r.status === 401)).toBe(true);
  });

  it("lists a connection's events newest first, a page at a time, and only to its tenant", async () => {
    const page = await (await runtime.call(`/v1/connections/${ids.github}/inbound-events?limit=1`)).json();
    expect(page.data).toHaveLength(1);
    const next = await (await runtime.call(`/v1/connections/${ids.github}/inbound-events?limit=1&cursor=${page.nextCursor}`)).json();
    expect(next.data[0].receivedAt <= page.data[0].receivedAt).toBe(true);
    expect(next.data[0].id).not.toBe(page.data[0].id);
    expect((await runtime.call(`/v1/connections/${ids.github}/inbound-events`, { key: rivalKey })).status).toBe(404);
  });
});

describe('a custom integration with a generic HMAC', () => {
  const webhooks = { scheme: 'hmac-sha256', secret: 'endpoint', header: 'X-Acme-Signature', encoding: 'base64', signedContent: '{timestamp}:{body}', timestampHeader: 'X-Acme-Timestamp', idHeader: 'X-Acme-Delivery', eventTypeHeader: 'X-Acme-Event' };

  it('is refused with 400 naming the field when its template is wrong', async () => {
    const response = await runtime.call('/v1/integrations', { method: 'POST', json: { ...customIntegration(`acme-${randomBytes(3).toString('hex')}`), webhooks: { ...webhooks, signedContent: '{timestamp}:{payload}' } } });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.map((e: { field: string }) => e.field)).toContain('body.webhooks.signedContent');
  });

  it('receives what its declared scheme signs', async () => {
    const key = `acme-${randomBytes(3).toString('hex')}`;
    expect((await runtime.call('/v1/integrations', { method: 'POST', json: { ...customIntegration(key), webhooks } })).status).toBe(201);
    const connectionId = await connect({ integration: key, name: 'Acme', credentials: { token: 'tok', webhookSecret: 'acme secret' } });
    const body = '{"thing":"changed"}';
    const now = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', 'acme secret').update(`${now}:${body}`).digest('base64');
    const response = await hook(key, connectionId, body, { 'x-acme-signature': signature, 'x-acme-timestamp': now, 'x-acme-delivery': 'd-1', 'x-acme-event': 'thing.changed' });
    expect(response.status).toBe(202);
    expect(await listed(connectionId)).toMatchObject([{ deliveryId: 'd-1', eventType: 'thing.changed' }]);
  });
});

describe('bodies of any size up to the cap', () => {
  /** A JSON body of exactly `bytes` bytes, its padding random so that any changed byte shows. */
  const sized = (bytes: number) => {
    const head = '{"action":"created","padding":"';
    const tail = '"}';
    return head + randomBytes(bytes).toString('hex').slice(0, bytes - head.length - tail.length) + tail;
  };
  const deliver = async (body: string, connectionId = ids.github!) =>
    hook('github', connectionId, body, { 'x-hub-signature-256': await githubSign(secrets.github, body), 'x-github-delivery': randomUUID(), 'x-github-event': 'star' });
  const payloadOf = (connectionId: string, eventId: string, key?: string) =>
    runtime.call(`/v1/connections/${connectionId}/inbound-events/${eventId}/payload`, key ? { key } : {});
  /** Whether the uploads bucket holds this event's body. */
  const inBucket = async (eventId: string) => {
    const s3 = new S3Client({ endpoint: runtime.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true });
    try {
      await s3.send(new HeadObjectCommand({ Bucket: runtime.env.UPLOADS_BUCKET_NAME!, Key: inboundBodyKey(localTenantId, ids.github!, eventId) }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'NotFound') return false;
      throw error;
    }
  };

  /** Delivers a body, then reads it back from the list, the event and the payload route. */
  async function roundTrip(bytes: number) {
    const body = sized(bytes);
    const response = await deliver(body);
    expect(response.status).toBe(202);
    const { id } = await response.json();
    const listedEvent = (await listed(ids.github!)).find((e) => e.id === id);
    const event = (await receivedEvents()).find((e) => e.data.id === id);
    const payload = await payloadOf(ids.github!, id);
    return { body, id, listedEvent, event, payload, bytes: Buffer.from(await payload.arrayBuffer()) };
  }

  it.each([
    ['of 2 MiB', 2 * 1024 * 1024],
    ['of 300 KiB (over what an event carries)', 300 * 1024],
  ])('keeps a delivery %s whole: listed with its size, its event without the body, its payload route answering the exact bytes', async (_what, bytes) => {
    expect(bytes).toBeGreaterThan(maxEventPayloadBytes);
    const trip = await roundTrip(bytes);
    expect(trip.listedEvent).toMatchObject({ bodyBytes: bytes, payloadUrl: `/v1/connections/${ids.github}/inbound-events/${trip.id}/payload` });
    expect(trip.event?.data).toMatchObject({ payload: null, bodyBytes: bytes, payloadUrl: trip.listedEvent!.payloadUrl });
    expect(trip.payload.status).toBe(200);
    expect(trip.payload.headers.get('content-type')).toBe('application/json');
    expect(trip.bytes.equals(Buffer.from(trip.body))).toBe(true);
    expect(await inBucket(trip.id)).toBe(true);
  });

  it('answers a small delivery from its event, with nothing in the bucket', async () => {
    const trip = await roundTrip(2_000);
    expect(trip.event?.data.payload).toBe(trip.body);
    expect(trip.payload.status).toBe(200);
    expect(trip.bytes.toString('utf8')).toBe(trip.body);
    expect(await inBucket(trip.id)).toBe(false);
  });

  it('accepts a body of exactly the cap, and refuses one byte more with 413 problem+json, storing nothing', async () => {
    const atCap = await deliver(sized(maxHookBodyBytes));
    expect(atCap.status).toBe(202);
    const before = [(await listed(ids.github!)).length, (await receivedEvents()).length];
    const over = await deliver(sized(maxHookBodyBytes + 1));
    await expectRefused(over, 413);
    expect((await over.json()).detail).toBe(`the body is ${maxHookBodyBytes + 1} bytes; the limit is ${maxHookBodyBytes} bytes`);
    expect([(await listed(ids.github!)).length, (await receivedEvents()).length]).toEqual(before);
  });

  it("lets the gateway answer a body over API Gateway's own 10 MB with its bare 413", async () => {
    const response = await deliver(sized(10 * 1024 * 1024 + 1));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it("answers 404 to another tenant, whether it names the owner's connection or its own", async () => {
    const large = (await (await deliver(sized(maxEventPayloadBytes + 1))).json()).id as string;
    const small = (await (await deliver(sized(100))).json()).id as string;
    for (const eventId of [large, small]) {
      expect((await payloadOf(ids.github!, eventId)).status).toBe(200);
      await expectRefused(await payloadOf(ids.github!, eventId, rivalKey), 404);
      await expectRefused(await payloadOf(ids.rivalGithub!, eventId, rivalKey), 404);
    }
  });
});
