import { createHmac } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { WebhookSignature } from '../../../../shared/integrations/schema';
import { Invalid } from '../../../../shared/platform/errors';
import { SignatureRefused, verifyDelivery, type Delivery } from '../../../../shared/inbound/verify';

const stripe = new Stripe('sk_test_unused');
const at = (seconds: number) => seconds * 1000;
const delivery = (headers: Record<string, string>, body: string | Buffer, now: number): Delivery => ({
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  now,
});
const scheme = (input: unknown) => WebhookSignature.parse(input);

describe('stripe', () => {
  const secret = 'whsec_test_secret_0123456789';
  const payload = JSON.stringify({ id: 'evt_1', type: 'customer.created', data: { object: { id: 'cus_1' } } });
  const now = Date.now();
  const header = (overrides: Partial<Parameters<typeof stripe.webhooks.generateTestHeaderString>[0]> = {}) =>
    stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(now / 1000), ...overrides });

  it('accepts a header from generateTestHeaderString, and reads the event id and type from the body', () => {
    const verified = verifyDelivery(scheme({ scheme: 'stripe', secret: 'endpoint' }), secret, delivery({ 'Stripe-Signature': header() }, payload, now));
    expect(verified).toMatchObject({ deliveryId: 'evt_1', eventType: 'customer.created' });
  });

  it('refuses the body with one byte changed', () => {
    const changed = payload.replace('cus_1', 'cus_2');
    expect(() => verifyDelivery(scheme({ scheme: 'stripe', secret: 'endpoint' }), secret, delivery({ 'Stripe-Signature': header() }, changed, now))).toThrow(SignatureRefused);
  });

  it('refuses a timestamp outside the 300 s tolerance, even correctly signed', () => {
    const old = header({ timestamp: Math.floor(now / 1000) - 301 });
    expect(() => verifyDelivery(scheme({ scheme: 'stripe', secret: 'endpoint' }), secret, delivery({ 'Stripe-Signature': old }, payload, now))).toThrow(/300 s/);
  });

  it('refuses another secret, and a header without v1', () => {
    const other = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other', timestamp: Math.floor(now / 1000) });
    expect(() => verifyDelivery(scheme({ scheme: 'stripe', secret: 'endpoint' }), secret, delivery({ 'Stripe-Signature': other }, payload, now))).toThrow(SignatureRefused);
    expect(() => verifyDelivery(scheme({ scheme: 'stripe', secret: 'endpoint' }), secret, delivery({ 'Stripe-Signature': `t=${Math.floor(now / 1000)}` }, payload, now))).toThrow(/v1=/);
  });
});

describe('github', () => {
  const github = scheme({ scheme: 'github', secret: 'endpoint' });
  const secret = "It's a Secret to Everybody";
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  const headers = { 'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'X-GitHub-Event': 'issues' };

  it('accepts the documented vector', () => {
    const verified = verifyDelivery(github, secret, delivery({ ...headers, 'X-Hub-Signature-256': documented }, 'Hello, World!', 0));
    expect(verified).toMatchObject({ deliveryId: headers['X-GitHub-Delivery'], eventType: 'issues' });
  });

  it('accepts what @octokit/webhooks-methods signs, and names the event with its action', async () => {
    const body = JSON.stringify({ action: 'opened', repository: { name: 'api', owner: { login: 'acme' } } });
    const verified = verifyDelivery(github, 'hook secret', delivery({ ...headers, 'X-Hub-Signature-256': await githubSign('hook secret', body) }, body, 0));
    expect(verified.eventType).toBe('issues.opened');
  });

  it.each([
    ['a missing header', {}],
    ['sha1=', { 'X-Hub-Signature-256': `sha1=${createHmac('sha1', secret).update('Hello, World!').digest('hex')}` }],
    ['truncated hex', { 'X-Hub-Signature-256': documented.slice(0, -2) }],
    ['uppercase prefix', { 'X-Hub-Signature-256': documented.replace('sha256=', 'SHA256=') }],
  ])('refuses %s', (_what, signature) => {
    expect(() => verifyDelivery(github, secret, delivery({ ...headers, ...signature }, 'Hello, World!', 0))).toThrow(SignatureRefused);
  });

  it('answers ping as a handshake', async () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const verified = verifyDelivery(github, secret, delivery({ ...headers, 'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': await githubSign(secret, body) }, body, 0));
    expect(verified.handshake).toEqual({ kind: 'ping' });
  });
});

describe('slack', () => {
  const slack = scheme({ scheme: 'slack', secret: 'app' });
  // The example of https://docs.slack.dev/authentication/verifying-requests-from-slack
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const timestamp = 1531420618;
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const headers = { 'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503', 'X-Slack-Request-Timestamp': String(timestamp) };

  it('accepts the documented vector inside the window', () => {
    expect(verifyDelivery(slack, secret, delivery(headers, body, at(timestamp + 299))).deliveryId).toMatch(/^sig_/);
  });

  it('refuses it outside the window, on either side', () => {
    expect(() => verifyDelivery(slack, secret, delivery(headers, body, at(timestamp + 301)))).toThrow(SignatureRefused);
    expect(() => verifyDelivery(slack, secret, delivery(headers, body, at(timestamp - 301)))).toThrow(SignatureRefused);
  });

  it('answers url_verification with its challenge, and reads event_id and the event type otherwise', () => {
    const sign = (text: string) => `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${text}`).digest('hex')}`;
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: 't' });
    expect(verifyDelivery(slack, secret, delivery({ ...headers, 'X-Slack-Signature': sign(challenge) }, challenge, at(timestamp))).handshake).toEqual({ kind: 'challenge', challenge: 'c-123' });
    const event = JSON.stringify({ type: 'event_callback', event_id: 'Ev123', event: { type: 'message' } });
    expect(verifyDelivery(slack, secret, delivery({ ...headers, 'X-Slack-Signature': sign(event) }, event, at(timestamp)))).toMatchObject({ deliveryId: 'Ev123', eventType: 'message' });
  });
});

describe('shopify', () => {
  const shopify = scheme({ scheme: 'shopify', secret: 'app' });
  const secret = 'shpss_app_secret';
  const body = '{"id":820982911946154508,"email":"jon@example.com"}';
  const base64 = createHmac('sha256', secret).update(body).digest('base64');
  const headers = { 'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043', 'X-Shopify-Topic': 'orders/create' };

  it('accepts a base64 HMAC of the body', () => {
    expect(verifyDelivery(shopify, secret, delivery({ ...headers, 'X-Shopify-Hmac-Sha256': base64 }, body, 0))).toMatchObject({ deliveryId: headers['X-Shopify-Webhook-Id'], eventType: 'orders/create' });
  });

  it('refuses the same HMAC in hex', () => {
    const hex = Buffer.from(base64, 'base64').toString('hex');
    expect(() => verifyDelivery(shopify, secret, delivery({ ...headers, 'X-Shopify-Hmac-Sha256': hex }, body, 0))).toThrow(SignatureRefused);
  });

  it('refuses a delivery without a webhook id: it could not be deduplicated', () => {
    expect(() => verifyDelivery(shopify, secret, delivery({ 'X-Shopify-Topic': 'orders/create', 'X-Shopify-Hmac-Sha256': base64 }, body, 0))).toThrow(Invalid);
  });
});

describe('standard webhooks', () => {
  const standard = scheme({ scheme: 'standard-webhooks', secret: 'endpoint' });
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('accepts the specification vector', () => {
    const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' };
    expect(verifyDelivery(standard, secret, delivery(headers, '{"test": 2432232314}', at(1614265330))).deliveryId).toBe('msg_p5jXN8AQM9LWM0D4loKWxJek');
  });

  it('accepts what the standardwebhooks library signs among other entries, and refuses it stale', () => {
    const body = '{"type":"response.completed","data":{}}';
    const sent = new Date();
    const signature = new Webhook(secret).sign('msg_1', sent, body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(sent.getTime() / 1000)), 'webhook-signature': `v1,${'A'.repeat(43)}= ${signature}` };
    expect(verifyDelivery(standard, secret, delivery(headers, body, sent.getTime())).eventType).toBe('response.completed');
    expect(() => verifyDelivery(standard, secret, delivery(headers, body, sent.getTime() + 301_000))).toThrow(SignatureRefused);
  });
});

describe('generic hmac-sha256', () => {
  const generic = scheme({
    scheme: 'hmac-sha256',
    secret: 'endpoint',
    header: 'X-Signature',
    encoding: 'hex',
    prefix: 'sha256=',
    signedContent: '{timestamp}.{body}',
    timestampHeader: 'X-Timestamp',
    idHeader: 'X-Delivery',
    eventTypeField: ['event'],
  });
  const body = '{"event":"invoice.paid"}';
  const now = 1_700_000_000;
  const sign = (ts: number) => `sha256=${createHmac('sha256', 's3cret').update(`${ts}.${body}`).digest('hex')}`;

  it('verifies the template with its timestamp, and reads the id and type where the definition says', () => {
    const verified = verifyDelivery(generic, 's3cret', delivery({ 'X-Signature': sign(now), 'X-Timestamp': String(now), 'X-Delivery': 'd-1' }, body, at(now)));
    expect(verified).toMatchObject({ deliveryId: 'd-1', eventType: 'invoice.paid' });
  });

  it('refuses a timestamp outside the tolerance and a signature over another timestamp', () => {
    expect(() => verifyDelivery(generic, 's3cret', delivery({ 'X-Signature': sign(now), 'X-Timestamp': String(now), 'X-Delivery': 'd-1' }, body, at(now + 301)))).toThrow(SignatureRefused);
    expect(() => verifyDelivery(generic, 's3cret', delivery({ 'X-Signature': sign(now - 1), 'X-Timestamp': String(now), 'X-Delivery': 'd-1' }, body, at(now)))).toThrow(SignatureRefused);
  });

  it('is refused by the schema when its template uses what it does not declare', () => {
    const parsed = WebhookSignature.safeParse({ scheme: 'hmac-sha256', secret: 'endpoint', header: 'X-Sig', encoding: 'hex', signedContent: '{timestamp}:{payload}' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['signedContent', 'signedContent', 'timestampHeader']);
  });
});
