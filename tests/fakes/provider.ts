import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the fake providers (github.ts, stripe.ts, hubspot.ts, salesforce.ts, shopify.ts)
 * share: a loopback server holding collections of records, a request log, and faults to
 * answer next, each in its provider's own dialect. Each fake speaks its provider's
 * documented wire format (paths, paging, errors, rate-limit answers), and
 * tests/fakes/providers.test.ts drives each one with the provider's own client library,
 * so a fake that drifts from the real format fails there first.
 */
export interface ProviderRecord {
  id: string;
  /** Epoch milliseconds. */
  created: number;
  updated: number;
  [field: string]: unknown;
}

/**
 * A fault answered instead of the next request: the provider's rate-limit answer, its
 * answer to an expired or revoked token, a 500, a body that is not JSON, a body of the
 * wrong shape, a redirect elsewhere, or a body of `hugeBytes`.
 */
export type Fault = 'rate-limit' | 'expired-token' | 'server-error' | 'malformed' | 'wrong-shape' | 'redirect' | 'huge';

export interface ProviderRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body?: unknown;
}

export interface FakeProvider {
  url: string;
  /**
   * The address the provider's own links name (GitHub's Link header, Salesforce's
   * nextRecordsUrl base): `url` unless a test reaches the fake through another one (its
   * definitions say https, the fake speaks http on loopback).
   */
  publicUrl: string;
  /** Access tokens (or keys) that authenticate. */
  tokens: Set<string>;
  /** Records per collection (`issues`, `customers`, …), in the order they were created. */
  collections: Map<string, ProviderRecord[]>;
  requests: ProviderRequest[];
  /** Answered, in order, instead of the next requests. */
  faults: Fault[];
  /** The size of a `huge` answer. */
  hugeBytes: number;
  records(collection: string): ProviderRecord[];
  close(): Promise<void>;
}

export interface Dialect {
  /** The bearer token (or key) a request carries, if any. */
  tokenOf(request: ProviderRequest): string | undefined;
  /** The answer to a fault, as this provider gives it. */
  fault(fault: Exclude<Fault, 'huge' | 'malformed' | 'redirect'>, fake: FakeProvider): Answer;
  handle(request: ProviderRequest, fake: FakeProvider): Answer;
}

export async function startProvider(dialect: Dialect): Promise<FakeProvider> {
  const collections = new Map<string, ProviderRecord[]>();
  const fake: Omit<FakeProvider, 'url' | 'publicUrl' | 'close'> = {
    tokens: new Set(),
    collections,
    requests: [],
    faults: [],
    hugeBytes: 50 * 1024 * 1024,
    records(collection) {
      if (!collections.has(collection)) collections.set(collection, []);
      return collections.get(collection)!;
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const request: ProviderRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      fake.requests.push(request);
      answer(res, respond(request));
    });
  });
  const respond = (request: ProviderRequest): Answer | 'huge' => {
    const fault = fake.faults.shift();
    if (fault === 'huge') return 'huge';
    if (fault === 'malformed') return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"data": [ {"id": ' };
    if (fault === 'redirect') return { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } };
    if (fault) return dialect.fault(fault, full);
    const token = dialect.tokenOf(request);
    if (!token || !fake.tokens.has(token)) return dialect.fault('expired-token', full);
    return dialect.handle(request, full);
  };
  const answer = (res: ServerResponse, reply: Answer | 'huge') => {
    if (reply === 'huge') {
      // An answer that does not end where a reader would like it to: one JSON string, streamed.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      res.write('{"data":"');
      const more = () => {
        while (sent < fake.hugeBytes) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('"}');
      };
      res.on('error', () => undefined);
      return more();
    }
    const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...reply.headers });
    res.end(text);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const full: FakeProvider = Object.assign(fake, {
    url,
    publicUrl: url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return full;
}

/** A whole number from a query parameter within [min, max], or `fallback` when absent. */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

export const bearerToken = (request: ProviderRequest) => /^(?:Bearer|token) (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
