import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake of Stripe's API on loopback, speaking its documented wire format for the calls
 * Junction makes: Bearer secret keys, JSON bodies, `{ "error": { type, message } }` on
 * failure, 429 with Retry-After when told to rate-limit.
 */
export interface FakeStripe {
  url: string;
  /** Keys that authenticate. */
  keys: Set<string>;
  requests: Array<{ method: string; path: string; authorization?: string }>;
  /** Statuses to answer before behaving normally (e.g. [429, 503]). */
  failNext: number[];
  close(): Promise<void>;
}

export async function startFakeStripe(): Promise<FakeStripe> {
  const fake: Omit<FakeStripe, 'url' | 'close'> = { keys: new Set(), requests: [], failNext: [] };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const authorization = req.headers.authorization;
    fake.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorization });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${fake.requests.length}`, ...headers });
      res.end(JSON.stringify(body));
    };
    const failure = fake.failNext.shift();
    if (failure === 429) {
      return json(429, { error: { type: 'rate_limit_error', message: 'Too many requests' } }, { 'retry-after': '1' });
    }
    if (failure) return json(failure, { error: { type: 'api_error', message: 'Something went wrong' } });
    const key = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (!key || !fake.keys.has(key)) {
      const shown = key ? `${key.slice(0, 8)}${'*'.repeat(8)}${key.slice(-4)}` : '';
      return json(401, { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${shown}` } });
    }
    if (req.method === 'GET' && req.url?.startsWith('/v1/balance')) {
      return json(200, { object: 'balance', available: [{ amount: 0, currency: 'usd' }], livemode: false, pending: [] });
    }
    json(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${req.url})` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
