import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import * as z from 'zod';
import { once as perContainer, readConfig } from './config';
import type { Principal, AuthorizerContext } from './principal';
import { authenticatedAs, principalFrom } from './principal';
import { recordRefusal, type Audit } from './audit';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  fingerprintOf,
  idempotencyKeyPattern,
  releaseIdempotencyKey,
  type ClaimOutcome,
  type IdempotencyClaim,
  type StoredResponse,
} from './idempotency';
import { mainTable } from './tables';
import { rateLimitHeaders, tenantRateLimiter, type Admission } from './rate-limit';
import type { Contract } from './contract';
import {
  Conflict,
  DomainError,
  IdempotencyKeyReused,
  Invalid,
  PayloadTooLarge,
  UnsupportedMediaType,
  type FieldError,
} from './errors';
import { logger } from './logger';
import { countProblem } from './metrics';
import { tally as containerTally, type Tally } from '../metrics/tally';
import { problemResponse, internalErrorResponse } from './problem';

/** Largest request body a route accepts unless its contract says otherwise (API Gateway itself allows 10 MB). */
export const maxBodyBytes = 1024 * 1024;

/**
 * How long counts may wait in a busy container. DynamoDB Local and AWS alike take a write's
 * round trip (a few ms) to flush; awaited on every request it would cost a short read route
 * about as much again (tests/bench/metrics.ts). So in a container that is serving a burst,
 * a request's counts wait for a later request, whose start flushes them while its own
 * handler works; a request that comes after the container was idle (one that may well be
 * its last) flushes before it answers. The cost: a container Lambda reclaims right after a
 * burst loses the counts of at most its last second of that burst.
 */
export const flushHoldMs = 1000;
/** `METRICS_FLUSH_HOLD_MS` overrides it: 0 flushes before every response (the integration tests, which count exactly). */
const configuredHoldMs = perContainer(
  () => readConfig('metrics flush', z.object({ METRICS_FLUSH_HOLD_MS: z.coerce.number().int().min(0).max(60_000).default(flushHoldMs) })).METRICS_FLUSH_HOLD_MS,
);

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HttpResult = APIGatewayProxyStructuredResultV2;

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export interface HttpInput<C extends Contract> {
  body: C['rawBody'] extends true ? Buffer : Infer<C['body']>;
  query: Infer<C['query']>;
  path: Infer<C['path']>;
  /** The caller; routes without a scope get an anonymous principal. */
  principal: C['scope'] extends null ? null : Principal;
  /** Who is changing what, for the audit entry the change writes in its transaction. */
  audit: C['audit'] extends string ? Audit : undefined;
  requestId: string;
  headers: Record<string, string | undefined>;
  /**
   * The path and the query string (without its `?`) as the caller wrote them, escapes,
   * repeats and order included: for a route that passes them on (the proxy).
   */
  rawPath: string;
  rawQuery: string;
}

export interface HttpOutput {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as-is instead of JSON (the docs page). */
  raw?: string;
  /**
   * Sent as these bytes (base64 to API Gateway, which decodes them): an answer passed on
   * as it came, whose size is then its size (a string's JSON escaping could grow it past
   * Lambda's response limit).
   */
  bytes?: Buffer;
}

interface Internal extends Record<string, unknown> {
  requestId: string;
  correlationId: string;
  /** When the request reached the wrapper (performance.now()), for its latency. */
  startedAt?: number;
  /** The tally's flush this request's start began (see flushPolicy). */
  flushing?: Promise<void>;
  /** Headers a layer adds to whatever the response turns out to be. */
  headers?: Record<string, string>;
}

const securityHeaders: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const correlationPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Wraps a route's logic: correlation ids, authentication verdict and scope, body parsing
 * and zod validation, problem+json for domain errors, a bare 500 for anything else.
 */
/** What the wrapper itself talks to; unit tests pass stand-ins. */
export interface HttpDependencies {
  admit(tenantId: string): Promise<Admission>;
  recordRefusal(audit: Audit, target: string | null, status: number, problem: string): Promise<void>;
  idempotency: {
    claim(claim: IdempotencyClaim, options: { now: number; lockMs: number }): Promise<ClaimOutcome>;
    complete(claim: IdempotencyClaim, response: StoredResponse | null): Promise<void>;
    release(claim: IdempotencyClaim): Promise<void>;
  };
  /**
   * Where each request is counted (`api` family) and flushed before the response. Without
   * one, nothing is counted: the wrapper's unit tests, and the bench's "counters off".
   */
  tally?: Tally;
}

const platformDependencies: HttpDependencies = {
  admit: (tenantId) => tenantRateLimiter()(tenantId),
  recordRefusal: (audit, target, status, problem) => recordRefusal(mainTable(), audit, target, status, problem),
  idempotency: {
    claim: (claim, options) => claimIdempotencyKey(mainTable(), claim, options),
    complete: (claim, response) => completeIdempotencyKey(mainTable(), claim, response),
    release: (claim) => releaseIdempotencyKey(mainTable(), claim),
  },
  tally: containerTally,
};

export const http = createHttp(platformDependencies);

export function createHttp(dependencies: HttpDependencies) {
  const policy = dependencies.tally ? flushPolicy(dependencies.tally) : undefined;
  return <C extends Contract>(contract: C, handle: (input: HttpInput<C>) => Promise<HttpOutput>) =>
    route(contract, handle, dependencies, policy);
}

function route<C extends Contract>(
  contract: C,
  handle: (input: HttpInput<C>) => Promise<HttpOutput>,
  dependencies: HttpDependencies,
  policy: FlushPolicy | undefined,
) {
  return wrap(
    async (event, context) => {
      const principal = contract.scope === null ? null : principalFrom(event, contract.scope);
      const audit = principal && contract.audit ? auditOf(principal, event, contract.audit) : undefined;
      const input = {
        principal,
        audit,
        body: parseBody(event, contract),
        query: validate('query', contract.query, queryOf(event)),
        path: validate('path', contract.path, event.pathParameters ?? {}),
        requestId: event.requestContext.requestId,
        headers: event.headers ?? {},
        rawPath: event.rawPath,
        rawQuery: event.rawQueryString ?? '',
      } as HttpInput<C>;
      const claim = audit && event.requestContext.http.method === 'POST' ? idempotencyClaimOf(event, audit) : undefined;
      if (!claim) return handle(input);
      return once(claim, () => handle({ ...input, audit: { ...audit!, idempotency: claim } } as HttpInput<C>), {
        dependencies,
        // Longer than this invocation can still run: an older claim's request is dead.
        lockMs: context.getRemainingTimeInMillis() + 60_000,
        secretResponse: contract.secretResponse === true,
      });
    },
    [
      // First, so its clock starts before the rate limit and it sees every refusal.
      ...(policy ? [countRequests(policy, contract.scope !== null)] : []),
      ...(contract.scope === null ? [] : [rateLimit(dependencies)]),
      ...(contract.audit ? [auditRefusals(contract.audit, dependencies)] : []),
    ],
  );
}

function idempotencyClaimOf(event: HttpEvent, audit: Audit): IdempotencyClaim | undefined {
  const key = headerOf(event, 'idempotency-key');
  if (key === undefined) return undefined;
  if (!idempotencyKeyPattern.test(key)) {
    throw new Invalid('the Idempotency-Key header must be 1 to 255 printable ASCII characters', [
      { field: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters' },
    ]);
  }
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  return { tenantId: audit.tenantId, key, fingerprint: fingerprintOf('POST', event.rawPath, body), requestId: audit.requestId };
}

/**
 * Runs a request that carries an Idempotency-Key at most once: a retry gets the first
 * response back (`idempotent-replayed: true`), a concurrent one 409, a different request
 * under the same key 422. See `idempotency.ts` for the states.
 */
async function once(
  claim: IdempotencyClaim,
  run: () => Promise<HttpOutput>,
  options: { dependencies: HttpDependencies; lockMs: number; secretResponse: boolean },
): Promise<HttpOutput> {
  const store = options.dependencies.idempotency;
  const outcome = await store.claim(claim, { now: Date.now(), lockMs: options.lockMs });
  switch (outcome.state) {
    case 'mismatch':
      throw new IdempotencyKeyReused('this Idempotency-Key was used for a different request; use a new key for a new request');
    case 'in_progress':
      throw new Conflict('a request with this Idempotency-Key is still being processed; retry it later', {
        'retry-after': String(outcome.retryAfterSeconds),
      });
    case 'committed':
    case 'completed':
      if (outcome.state === 'completed' && outcome.response) {
        return { status: outcome.response.status, raw: outcome.response.body, headers: { ...outcome.response.headers, 'idempotent-replayed': 'true' } };
      }
      throw new Conflict(
        `the request with this Idempotency-Key already succeeded${outcome.target ? ` (it changed ${outcome.target})` : ''}, ` +
          (options.secretResponse ? 'and its response held a secret that is shown only once' : 'but its response was not kept'),
      );
    case 'claimed':
      break;
  }
  let output: HttpOutput;
  try {
    output = await run();
  } catch (error) {
    await store.release(claim).catch((failure: Error) => logger.warn('could not release an Idempotency-Key', failure));
    throw error;
  }
  const kept = options.secretResponse ? null : storedResponseOf(output);
  await store.complete(claim, kept).catch((failure: Error) => logger.warn('could not store an idempotent response', failure));
  return output;
}

function storedResponseOf(output: HttpOutput): StoredResponse {
  const result = toResult(output);
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).filter(([name]) => ['content-type', 'location', 'etag'].includes(name.toLowerCase())),
  ) as Record<string, string>;
  // Bytes answered are UTF-8 text (the proxy's, which the outbound client reads as text):
  // kept as that text, replayed as the same bytes.
  const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64').toString('utf8') : (result.body ?? '');
  return { status: result.statusCode ?? 200, headers, body };
}

/** Spends one request of the caller's tenant budget (429 past it); sets RateLimit-* headers. */
function rateLimit(dependencies: HttpDependencies): Middleware {
  return {
    before: async (request) => {
      let principal: Principal;
      try {
        principal = authenticatedAs(request.event);
      } catch {
        return; // the route answers 401 itself
      }
      request.internal.headers = rateLimitHeaders(await dependencies.admit(principal.tenantId));
    },
  };
}

/** When the wrapper flushes its tally; one per container and tally, shared by its routes. */
function flushPolicy(tally: Tally, holdMs: () => number = configuredHoldMs) {
  /** When the oldest count not yet flushed was made (undefined: nothing held). */
  let heldSince: number | undefined;
  let lastEnd = -Infinity;
  const flushNow = () => {
    heldSince = undefined;
    return tally.flush();
  };
  return {
    tally,
    /** At a request's start: what waited long enough goes out alongside the handler's work. */
    start(now: number): Promise<void> | undefined {
      return heldSince !== undefined && now - heldSince >= holdMs() ? flushNow() : undefined;
    },
    /** At its end: after the start's flush, and now too if the container was idle before this request. */
    async end(startedAt: number, now: number, started: Promise<void> | undefined) {
      heldSince ??= now;
      await started;
      const lone = startedAt - lastEnd >= holdMs();
      lastEnd = now;
      if (lone) await flushNow();
    },
  };
}
type FlushPolicy = ReturnType<typeof flushPolicy>;

/**
 * Counts the request into its tenant's `api` metrics (by route key, never the raw path,
 * which holds ids) and its failures into error groups, and flushes the tally as
 * `flushPolicy` says, so whatever the route's own code counted is written too. A flush
 * never throws. Requests without a valid key have no tenant and are not counted.
 */
function countRequests(policy: FlushPolicy, keyed: boolean): Middleware {
  const { tally } = policy;
  const count = (request: Parameters<NonNullable<Middleware['after']>>[0], status: number, title: string | undefined) => {
    const startedAt = (request.internal.startedAt as number | undefined) ?? performance.now();
    const now = performance.now();
    const flushing = request.internal.flushing as Promise<void> | undefined;
    // A route without an API key (a provider's webhook) counts its own work only.
    let principal: Principal | undefined;
    try {
      principal = keyed ? authenticatedAs(request.event) : undefined;
    } catch {
      principal = undefined;
    }
    if (principal) {
      const route = request.event.routeKey;
      tally.count(
        principal.tenantId,
        'api',
        { route },
        { requests: 1, client_errors: status >= 400 && status < 500 ? 1 : 0, server_errors: status >= 500 ? 1 : 0 },
        now - startedAt,
      );
      const kind = errorKindOf(status, request.error);
      // The problem's title, never its detail or the body: a title is a fixed phrase per kind.
      if (kind) tally.fail(principal.tenantId, { kind, route }, title ?? 'Internal error');
    }
    return policy.end(startedAt, now, flushing);
  };
  return {
    before: (request) => {
      const now = performance.now();
      request.internal.startedAt = now;
      request.internal.flushing = policy.start(now);
    },
    after: (request) => count(request, request.response?.statusCode ?? 200, undefined),
    onError: (request) => {
      const error = request.error;
      const status = error instanceof DomainError ? error.status : 500;
      return count(request, status, error instanceof DomainError ? error.title : undefined);
    },
  };
}

/**
 * 5xx are `api.server_error`; 4xx by their problem type (`api.invalid-request`), except the
 * ones that are a caller's routine (no key, no scope, no such thing, over budget).
 */
function errorKindOf(status: number, error: unknown): string | undefined {
  if (status >= 500) return 'api.server_error';
  if (status < 400 || [401, 403, 404, 429].includes(status)) return undefined;
  const type = error instanceof DomainError ? error.type : '';
  return `api.${type.slice(type.lastIndexOf(':') + 1) || status}`;
}

/** The plumbing without parsing, for a route that reads the raw event (`$default`). */
export function wrap(handle: (event: HttpEvent, context: Context) => Promise<HttpOutput>, layers: Middleware[] = []) {
  // No early timeout: middy would arm a timer and an AbortController on every request to
  // answer just before Lambda's timeout, and nothing here listens for the abort; a function
  // that runs out of time ends as Lambda ends it.
  const handler = middy<HttpEvent, HttpResult, Error, Context, Internal>({ timeoutEarlyInMillis: 0 }).use(correlate());
  for (const layer of layers) handler.use(layer);
  return handler.handler(async (event, context) => toResult(await handle(event, context)));
}

type Middleware = MiddlewareObj<HttpEvent, HttpResult, Error, Context, Internal>;

const auditOf = (principal: Principal, event: HttpEvent, action: string): Audit => ({
  tenantId: principal.tenantId,
  keyId: principal.keyId,
  requestId: event.requestContext.requestId,
  action,
});

/**
 * A refused mutating call changed nothing, so no transaction recorded it: record it here.
 * Calls without a valid key have no tenant to file them under and are only logged.
 */
function auditRefusals(action: string, dependencies: HttpDependencies): Middleware {
  return {
    onError: async (request) => {
      const error = request.error;
      if (!(error instanceof DomainError) || error.status === 401) return;
      let principal: Principal;
      try {
        principal = authenticatedAs(request.event);
      } catch {
        return;
      }
      // Routes name what they change by `{id}` (connections, keys) or `{key}` (integrations).
      const target = request.event.pathParameters?.id ?? request.event.pathParameters?.key ?? null;
      try {
        await dependencies.recordRefusal(auditOf(principal, request.event, action), target, error.status, error.type);
      } catch (failure) {
        logger.warn('could not record a refused call in the audit log', failure as Error);
      }
    },
  };
}

function correlate(): Middleware {
  return {
    before: (request) => {
      const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
      const offered = request.event.headers?.['x-correlation-id'];
      const correlationId = offered && correlationPattern.test(offered) ? offered : requestId;
      request.internal.requestId = requestId;
      request.internal.correlationId = correlationId;
      logger.resetKeys();
      logger.appendKeys({
        requestId,
        correlationId,
        route: request.event.routeKey,
      });
    },
    after: (request) => {
      request.response = withStandardHeaders(request.response!, request.internal);
    },
    onError: (request) => {
      const error = request.error;
      const instance = request.event.rawPath;
      let response: HttpResult;
      if (error instanceof DomainError) {
        logger.info('request refused', { status: error.status, problem: error.type });
        response = problemResponse(error, request.internal.requestId, instance);
      } else {
        logger.error('unhandled error', error as Error);
        response = internalErrorResponse(request.internal.requestId, instance);
      }
      countProblem(response.statusCode!);
      request.response = withStandardHeaders(response, request.internal);
    },
  };
}

function withStandardHeaders(response: HttpResult, internal: Internal): HttpResult {
  return {
    ...response,
    headers: {
      ...securityHeaders,
      ...internal.headers,
      ...response.headers,
      'x-request-id': internal.requestId,
      'x-correlation-id': internal.correlationId,
    },
  };
}

function toResult(output: HttpOutput): HttpResult {
  if (output.bytes !== undefined) {
    return { statusCode: output.status, headers: output.headers, body: output.bytes.toString('base64'), isBase64Encoded: true };
  }
  if (output.raw !== undefined) {
    return { statusCode: output.status, headers: output.headers, body: output.raw };
  }
  return {
    statusCode: output.status,
    headers: {
      ...(output.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...output.headers,
    },
    body: output.body === undefined ? '' : JSON.stringify(output.body),
  };
}

function parseBody(event: HttpEvent, contract: Contract): unknown {
  const raw = event.body ?? '';
  const limit = contract.maxBodyBytes ?? maxBodyBytes;
  if (contract.rawBody) {
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (bytes.length > limit) throw new PayloadTooLarge(`the body is ${bytes.length} bytes; the limit is ${limit} bytes`);
    return bytes;
  }
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limit) {
    throw new PayloadTooLarge(`the body is ${size} bytes; the limit is ${limit} bytes`);
  }
  if (!contract.body) {
    if (size > 0) throw new Invalid('this route takes no request body');
    return undefined;
  }
  const contentType = headerOf(event, 'content-type');
  if (!contentType || !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaType(
      `send the body as application/json (got ${contentType ? `"${contentType}"` : 'no content-type'})`,
    );
  }
  if (size === 0) throw new Invalid('a JSON body is required');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Invalid(`the body is not valid JSON${whereJsonFails((error as Error).message)}`);
  }
  return validate('body', contract.body, json);
}

/**
 * Where a JSON document breaks, without V8's own words for it: those quote the text around
 * the fault (`Unexpected token 's', "{"apiKey":sk_live_…" is not valid JSON`), which may be
 * part of a credential.
 */
function whereJsonFails(message: string): string {
  if (message.startsWith('Unexpected end of JSON input')) return ': it ends before the document does';
  const position = /at position (\d+)/.exec(message)?.[1];
  return position === undefined ? '' : ` at position ${position}`;
}

function queryOf(event: HttpEvent): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

function validate(where: 'body' | 'query' | 'path', schema: z.ZodType | undefined, value: unknown) {
  if (!schema) {
    const names = Object.keys(value as object);
    if (where === 'query' && names.length > 0) {
      throw new Invalid(`this route takes no query parameters (got ${names.join(', ')})`, [
        ...names.map((name) => ({ field: `query.${name}`, message: 'unknown parameter' })),
      ]);
    }
    return undefined;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.flatMap((issue) => {
    const base = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: `${base}.${key}`, message: 'unknown field' }));
    }
    return [{ field: base, message: issue.message }];
  });
  throw new Invalid(
    `the ${where} has ${errors.length} problem${errors.length === 1 ? '' : 's'}: ${errors
      .map((e) => `${e.field} (${e.message})`)
      .join('; ')}`,
    errors,
  );
}

export function headerOf(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
}
