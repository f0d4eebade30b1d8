import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import * as z from 'zod';
import { once, readConfig } from './config';

/**
 * The one client for calls to the outside world (provider APIs, later webhooks).
 *
 * - SSRF: the host is resolved once, every address is checked against the deny list
 *   below, and the connection goes to the checked address (the agent's own `lookup`),
 *   so DNS cannot answer differently between check and connect. Redirects are never
 *   followed. `OUTBOUND_ALLOWED_NETWORKS` (CIDRs) opens specific ranges, e.g. loopback
 *   for the fake providers the tests run.
 * - Retries: 429 and 5xx (and connection failures) are retried with exponential backoff
 *   and full jitter, honouring Retry-After when it is within `maxRetryAfterMs`.
 * - Timeouts on connect, headers and body; keep-alive connections are reused.
 * - TLS: the public CAs, plus those in `OUTBOUND_CA_FILE` when set (a private CA; the
 *   tests' own authorization server).
 */
export interface OutboundRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body, cut at `maxBodyBytes`. */
  body: string;
  latencyMs: number;
  attempts: number;
}

export interface OutboundOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  maxBodyBytes?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class OutboundError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

const deny = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) deny.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['2001::', 32], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) deny.addSubnet(net, prefix, 'ipv6');

const config = once(() =>
  readConfig(
    'outbound HTTP',
    z.object({
      OUTBOUND_ALLOWED_NETWORKS: z
        .string()
        .optional()
        .transform((text) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : [])),
      /** A PEM file of extra certificate authorities to trust (a provider behind a private CA). */
      OUTBOUND_CA_FILE: z.string().min(1).optional(),
    }),
  ),
);

const allowed = once(() => {
  const list = new BlockList();
  for (const cidr of config().OUTBOUND_ALLOWED_NETWORKS) {
    const [net, prefix] = cidr.split('/');
    const type = isIP(net ?? '') === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(net!, Number(prefix ?? (type === 'ipv6' ? 128 : 32)), type);
  }
  return list;
});

/** Whether OUTBOUND_ALLOWED_NETWORKS opens this address (a test's loopback server). */
export function isAllowListedAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && allowed().check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Whether Junction may connect to this address (FACTS: the SSRF deny list). */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (isAllowListedAddress(address)) return false;
  if (type === 'ipv6') {
    // ::ffff:a.b.c.d carries an IPv4 address: judge that one.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isForbiddenAddress(mapped[1]!);
  }
  return deny.check(address, type);
}

function guardedLookup(
  hostname: string,
  options: { all?: boolean },
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) {
  dnsLookup(hostname, { all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
    if (forbidden) {
      return callback(Object.assign(new Error(`${hostname} resolves to a forbidden address`), { code: 'EFORBIDDEN' }), '');
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

/**
 * Keep-alive agents; Node's own HTTP client rather than a library (undici alone would add
 * ~700 KiB to every bundle that calls out).
 */
const agents = once(() => {
  const caFile = config().OUTBOUND_CA_FILE;
  return {
    http: new HttpAgent({ keepAlive: true, maxSockets: 50 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 50, ...(caFile ? { ca: [...rootCertificates, readFileSync(caFile, 'utf8')] } : {}) }),
  };
});

/** One request and its response head; the body is left to read. */
function exchange(url: URL, input: OutboundRequest, timeoutMs: number): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  const body = input.body === undefined ? undefined : Buffer.from(input.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: input.method,
        headers: { ...input.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: secure ? agents().https : agents().http,
        // The guarded lookup: the socket connects to the address that was checked.
        lookup: guardedLookup as never,
        signal: AbortSignal.timeout(timeoutMs),
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

const retryable = (status: number) => status === 429 || status >= 500;

export async function send(input: OutboundRequest, options: OutboundOptions = {}): Promise<OutboundResponse> {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? 20_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const url = new URL(input.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError(`${url.protocol} URLs are not allowed`, 0);
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) && isForbiddenAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
    throw new OutboundError(`${url.hostname} is a forbidden address`, 0);
  }

  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    let response: IncomingMessage | undefined;
    let failure: Error | undefined;
    try {
      response = await exchange(url, input, options.timeoutMs ?? 15_000);
    } catch (error) {
      failure = error as Error;
      if ((error as { code?: string }).code === 'EFORBIDDEN' || (error as Error).message.includes('forbidden address')) {
        throw new OutboundError(`${url.hostname} resolves to a forbidden address`, attempt);
      }
    }
    if (response && (!retryable(response.statusCode!) || attempt >= maxAttempts)) {
      let body: string;
      try {
        body = await readCapped(response, maxBodyBytes);
      } catch (error) {
        throw new OutboundError(`${url.host} broke off its answer: ${(error as Error).message}`, attempt);
      }
      return {
        status: response.statusCode!,
        headers: response.headers,
        body,
        latencyMs: Math.round(performance.now() - started),
        attempts: attempt,
      };
    }
    if (!response && attempt >= maxAttempts) {
      throw new OutboundError(`no answer from ${url.host} after ${attempt} attempts: ${failure?.message}`, attempt);
    }
    const retryAfter = response ? retryAfterMs(response.headers['retry-after']) : undefined;
    response?.resume();
    if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) {
      throw new OutboundError(`${url.host} asked to retry after ${Math.round(retryAfter / 1000)} s; not waiting that long`, attempt);
    }
    const backoff = Math.random() * baseDelayMs * 2 ** (attempt - 1);
    await sleep(retryAfter ?? backoff);
  }
}

/** Retry-After in delta-seconds or as an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function readCapped(body: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk as Buffer);
    chunks.push(buffer.subarray(0, Math.max(0, max - size)));
    size += buffer.length;
    if (size >= max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
