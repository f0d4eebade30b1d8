import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isForbiddenAddress, retryAfterMs, send } from '../../../../shared/platform/outbound';

let server: Server;
let base: string;
let script: Array<{ status: number; headers?: Record<string, string>; body?: string }> = [];
let hits = 0;

beforeAll(async () => {
  process.env.OUTBOUND_ALLOWED_NETWORKS = '127.0.0.0/8';
  server = createServer((_req, res) => {
    hits++;
    const next = script.shift() ?? { status: 200, body: 'ok' };
    res.writeHead(next.status, next.headers);
    res.end(next.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  script = [];
  hits = 0;
});

const sleeps: number[] = [];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

describe('the SSRF deny list', () => {
  it.each(['10.1.2.3', '169.254.169.254', '172.31.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '2001:db8::1', '::ffff:10.0.0.1', '::ffff:169.254.169.254'])(
    'forbids %s',
    (address) => expect(isForbiddenAddress(address)).toBe(true),
  );

  it.each(['8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });

  it('opens only the networks OUTBOUND_ALLOWED_NETWORKS names', () => {
    expect(isForbiddenAddress('127.0.0.1')).toBe(false);
    expect(isForbiddenAddress('10.0.0.1')).toBe(true);
  });

  it('refuses to connect to a forbidden literal address', async () => {
    await expect(send({ method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' })).rejects.toThrow(/forbidden address/);
  });
});

describe('retries', () => {
  it('retries a 503 and returns the success', async () => {
    script = [{ status: 503 }, { status: 200, body: 'fine' }];
    const response = await send({ method: 'GET', url: `${base}/check` }, { sleep });
    expect(response).toMatchObject({ status: 200, body: 'fine', attempts: 2 });
  });

  it('waits as long as Retry-After says on a 429', async () => {
    sleeps.length = 0;
    script = [{ status: 429, headers: { 'retry-after': '2' } }, { status: 200 }];
    await send({ method: 'GET', url: `${base}/check` }, { sleep });
    expect(sleeps).toEqual([2000]);
  });

  it('gives up rather than wait past the longest Retry-After it accepts', async () => {
    script = [{ status: 429, headers: { 'retry-after': '3600' } }];
    await expect(send({ method: 'GET', url: `${base}/check` }, { sleep })).rejects.toThrow(/not waiting that long/);
  });

  it('returns the last failure after the last attempt', async () => {
    script = [{ status: 500 }, { status: 502 }, { status: 503 }];
    const response = await send({ method: 'GET', url: `${base}/check` }, { sleep });
    expect(response).toMatchObject({ status: 503, attempts: 3 });
  });

  it('does not retry a 401', async () => {
    script = [{ status: 401 }];
    expect((await send({ method: 'GET', url: `${base}/check` }, { sleep })).attempts).toBe(1);
    expect(hits).toBe(1);
  });
});

describe('responses', () => {
  it('does not follow redirects', async () => {
    script = [{ status: 302, headers: { location: 'http://169.254.169.254/' } }];
    expect((await send({ method: 'GET', url: `${base}/r` })).status).toBe(302);
    expect(hits).toBe(1);
  });

  it('keeps at most maxBodyBytes of a body', async () => {
    script = [{ status: 200, body: 'x'.repeat(100_000) }];
    expect((await send({ method: 'GET', url: `${base}/big` }, { maxBodyBytes: 1000 })).body).toHaveLength(1000);
  });

  it('reads Retry-After given as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
