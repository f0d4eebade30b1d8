import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';
import {
  authorizerOf,
  matchRoute,
  routesOf,
  type Declaration,
  type RouteDeclaration,
} from '../declaration';
import type { FunctionHost } from './functions';
import { reporter, type LogSink } from './logs';

/**
 * A local API Gateway (HTTP API, payload format 2.0) in front of the declared routes.
 * It does what API Gateway does and no more: routing with `$default` as the fallback,
 * CORS preflight, the Lambda authorizer with its result cache, the 10 MB payload limit,
 * and the v2 event and response mapping. Everything else is the handlers' job, so it
 * behaves the same in AWS.
 *
 * It sits in front of every local request, so the hot path is kept lean: what can be
 * worked out once per route is (route keys, which routes need the authorizer, route
 * matches), no `URL` or `req.headers` objects are built when the raw request already
 * says everything, a request without a body and with a cached verdict never waits on
 * a promise of the gateway's own, and each response goes out as one flat header array
 * and one `res.end`.
 */
export interface GatewayOptions {
  declaration: Declaration;
  functions: FunctionHost;
  port: number;
  host?: string;
  /** The clock the authorizer cache reads; tests move it forward instead of sleeping. */
  now?: () => number;
  /** How many authorizer verdicts are kept at most (10,000; tests lower it). */
  maxCachedVerdicts?: number;
  /** Where the gateway reports its own failures (the terminal if not given). */
  log?: LogSink;
}

export interface RunningGateway {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** API Gateway's own payload limit for HTTP APIs. */
const gatewayMaxBytes = 10 * 1024 * 1024;

const textTypes = /^(text\/|application\/([\w.+-]+\+)?(json|xml|x-www-form-urlencoded|javascript))/i;

/** What the gateway knows about a route before any request for it arrives. */
interface RoutePlan {
  name: string;
  route: RouteDeclaration;
  routeKey: string;
  /** Whether the Lambda authorizer runs first (the route has a scope). */
  authorized: boolean;
}

type Verdict = { status: 401 | 403 } | { context: Record<string, unknown> };
const unauthorized: Verdict = { status: 401 };
const forbidden: Verdict = { status: 403 };

type HeaderList = Array<string | number | string[]>;

const emptyBody = Buffer.alloc(0);

/** The gateway's own answers (404, 413, …): the same bytes every time. */
const gatewayAnswers = new Map<number, { text: string; length: number }>(
  (
    [
      [401, 'Unauthorized'],
      [403, 'Forbidden'],
      [404, 'Not Found'],
      [413, 'Request Entity Too Large'],
      [500, 'Internal Server Error'],
    ] as const
  ).map(([status, message]) => {
    const text = JSON.stringify({ message });
    return [status, { text, length: Buffer.byteLength(text) }];
  }),
);

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { declaration, functions } = options;
  const now = options.now ?? Date.now;
  const report = reporter('gateway', options.log);
  const [authorizerName, authorizer] = authorizerOf(declaration);
  const cors = declaration.api.cors;

  const plans = new Map<string, RoutePlan>();
  let fallback: RoutePlan | undefined;
  for (const [name, route] of routesOf(declaration)) {
    const plan = { name, route, routeKey: route.route, authorized: route.contract.scope !== null };
    plans.set(name, plan);
    if (route.route === '$default') fallback = plan;
  }

  /**
   * Where a request goes, by method and the path as the client wrote it: the path as
   * API Gateway reads it and the route `matchRoute` finds for it, remembered, since the same
   * few paths come again and again. (Path parameters are copied for each event.)
   */
  const routing = new Map<string, Target>();
  const maxRemembered = 1024;
  function targetOf(method: string, rawPath: string, raw: string): Target {
    const key = `${method} ${rawPath}`;
    let target = routing.get(key);
    if (target) return target;
    // Anything else is parsed whole, as the parser's reading of a path can depend on what follows it.
    if (!plainPath.test(rawPath) || rawPath.includes('/.')) return routeOf(method, new URL(raw, 'http://gateway').pathname);
    target = routeOf(method, rawPath);
    if (routing.size >= maxRemembered) routing.clear();
    routing.set(key, target);
    return target;
  }
  function routeOf(method: string, path: string): Target {
    const match = matchRoute(declaration, method, path);
    return match
      ? { path, plan: plans.get(match.name), pathParameters: hasKeys(match.pathParameters) ? match.pathParameters : undefined }
      : { path, plan: fallback, pathParameters: undefined };
  }

  const identitySources = authorizer.identitySource.map(compileIdentitySource);
  const verdicts = new Map<string, { until: number; verdict: Verdict }>();
  // Every distinct Authorization header is a key here, so a client sending random ones
  // would grow the cache without end. Forgetting verdicts early only runs the authorizer
  // again: a revoked key can never outlive its 60 s this way.
  const maxVerdicts = options.maxCachedVerdicts ?? 10_000;

  /** The authorizer's verdict: at once from the cache, else after the authorizer ran. */
  function authorize(event: APIGatewayProxyEventV2, method: string, path: string): Verdict | Promise<Verdict> {
    let cacheKey = '';
    const identity: string[] = [];
    for (let i = 0; i < identitySources.length; i++) {
      const value = identitySources[i]!(event);
      if (value === undefined) return unauthorized;
      identity.push(value);
      cacheKey = i === 0 ? value : `${cacheKey}\u0000${value}`;
    }
    const cached = verdicts.get(cacheKey);
    if (cached && cached.until > now()) return cached.verdict;
    const authorizerEvent: APIGatewayRequestAuthorizerEventV2 = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${method}${path}`,
      identitySource: identity,
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      cookies: event.cookies ?? [],
      headers: event.headers,
      queryStringParameters: event.queryStringParameters ?? {},
      // Its own copy: the route's event gets the verdict added to its request context.
      requestContext: { ...event.requestContext } as APIGatewayRequestAuthorizerEventV2['requestContext'],
      pathParameters: event.pathParameters ?? {},
      stageVariables: {},
    };
    return functions.invoke(authorizerName, authorizerEvent).then((answer) => {
      const result = answer as { isAuthorized?: boolean; context?: Record<string, unknown> } | undefined;
      const verdict: Verdict = result?.isAuthorized === true ? { context: result.context ?? {} } : forbidden;
      if (authorizer.resultsCacheTtlSeconds > 0) {
        if (verdicts.size >= maxVerdicts) verdicts.clear();
        verdicts.set(cacheKey, { until: now() + authorizer.resultsCacheTtlSeconds * 1000, verdict });
      }
      return verdict;
    });
  }

  /** One request; answers a promise only when something had to be waited for. */
  function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> | void {
    const method = req.method ?? 'GET';
    const { headers, cookies } = headersOf(req.rawHeaders);
    const origin = headers.origin;

    if (method === 'OPTIONS' && origin && headers['access-control-request-method']) {
      return preflight(res, origin, requestId);
    }
    // Path and query string as `new URL(req.url, 'http://gateway')` reads them.
    const raw = req.url ?? '/';
    let target: Target;
    let query: string;
    if (raw.includes('#')) {
      const url = new URL(raw, 'http://gateway');
      target = routeOf(method, url.pathname);
      query = url.search.slice(1);
    } else {
      const mark = raw.indexOf('?');
      target = targetOf(method, mark < 0 ? raw : raw.slice(0, mark), raw);
      query = mark < 0 ? '' : raw.slice(mark + 1);
      if (query !== '' && !plainQuery.test(query)) query = new URL(raw, 'http://gateway').search.slice(1);
    }
    const request: Incoming = { req, requestId, method, target, query, headers, cookies };
    if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      // No body announced (most GETs): nothing to wait for.
      req.resume();
      return dispatch(res, request, emptyBody);
    }
    return readBody(req).then((body) => dispatch(res, request, body));
  }

  function dispatch(res: ServerResponse, request: Incoming, body: Buffer | null): Promise<void> | void {
    const { requestId, method, target } = request;
    const origin = request.headers.origin;
    if (body === null) return send(res, 413, origin, requestId);
    const plan = target.plan;
    if (!plan) return send(res, 404, origin, requestId);

    const event = toEvent(request, body, plan.routeKey);
    if (!plan.authorized) return run(res, plan.name, event, origin, requestId);
    const verdict = authorize(event, method, target.path);
    if (verdict instanceof Promise) {
      return verdict.then((settled) => admit(res, plan.name, event, settled, origin, requestId));
    }
    return admit(res, plan.name, event, verdict, origin, requestId);
  }

  function admit(
    res: ServerResponse,
    name: string,
    event: APIGatewayProxyEventV2,
    verdict: Verdict,
    origin: string | undefined,
    requestId: string,
  ): Promise<void> | void {
    if ('status' in verdict) return send(res, verdict.status, origin, requestId);
    (event.requestContext as unknown as Record<string, unknown>).authorizer = { lambda: verdict.context };
    return run(res, name, event, origin, requestId);
  }

  function run(res: ServerResponse, name: string, event: APIGatewayProxyEventV2, origin: string | undefined, requestId: string) {
    let invocation: Promise<unknown>;
    try {
      invocation = functions.invoke(name, event);
    } catch {
      return send(res, 500, origin, requestId);
    }
    return invocation.then(
      (result) => writeResult(res, result, origin, requestId),
      // API Gateway's answer when the integration fails; the function host logged the error.
      () => send(res, 500, origin, requestId),
    );
  }

  const allowAnyOrigin = cors.allowOrigins.includes('*');
  const allowedOrigins = new Set(cors.allowOrigins);
  const originAllowed = (origin: string) => allowAnyOrigin || allowedOrigins.has(origin);
  const exposeHeaders = cors.exposeHeaders.join(',');
  const preflightHeaders: HeaderList = [
    'access-control-allow-methods',
    cors.allowMethods.join(','),
    'access-control-allow-headers',
    cors.allowHeaders.join(','),
    'access-control-max-age',
    String(cors.maxAgeSeconds),
    'vary',
    'origin',
  ];

  function preflight(res: ServerResponse, origin: string, requestId: string) {
    if (!originAllowed(origin)) {
      res.writeHead(204, ['apigw-requestid', requestId]);
      return void res.end();
    }
    res.writeHead(204, ['apigw-requestid', requestId, 'access-control-allow-origin', allowAnyOrigin ? '*' : origin, ...preflightHeaders]);
    res.end();
  }

  /** Appends the CORS response headers an allowed origin gets. */
  function pushCors(headers: HeaderList, origin: string | undefined) {
    if (!origin || !originAllowed(origin)) return;
    headers.push('access-control-allow-origin', allowAnyOrigin ? '*' : origin, 'access-control-expose-headers', exposeHeaders, 'vary', 'origin');
  }

  function send(res: ServerResponse, status: number, origin: string | undefined, requestId: string) {
    const answer = gatewayAnswers.get(status)!;
    const headers: HeaderList = ['apigw-requestid', requestId, 'content-type', 'application/json', 'content-length', answer.length];
    pushCors(headers, origin);
    res.writeHead(status, headers);
    res.end(answer.text);
  }

  /** Payload 2.0 response mapping, including the shorthand of a plain returned object. */
  function writeResult(res: ServerResponse, result: unknown, origin: string | undefined, requestId: string) {
    const structured =
      result !== null && typeof result === 'object' && 'statusCode' in result
        ? (result as APIGatewayProxyStructuredResultV2)
        : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
    // A text body is written as the string it is (one write with the headers); only a
    // base64 one is turned into bytes.
    let payload: string | Buffer;
    let length: number;
    if (!structured.body) {
      payload = '';
      length = 0;
    } else if (structured.isBase64Encoded) {
      payload = Buffer.from(structured.body, 'base64');
      length = payload.length;
    } else {
      payload = structured.body;
      length = Buffer.byteLength(payload);
    }
    const headers: HeaderList = ['apigw-requestid', requestId];
    pushCors(headers, origin);
    const given = structured.headers as Record<string, string | number | boolean> | undefined;
    for (const key in given) {
      // Names are case-insensitive: a later spelling of one replaces the earlier value, and
      // a handler's value replaces the gateway's own. The gateway sets the length itself.
      const name = key.toLowerCase();
      if (name !== 'content-length') replaceOrPush(headers, name, String(given[key]));
    }
    headers.push('content-length', length);
    if (structured.cookies?.length) replaceOrPush(headers, 'set-cookie', structured.cookies);
    res.writeHead(structured.statusCode ?? 200, headers);
    res.end(payload);
  }

  function fail(res: ServerResponse, requestId: string, error: unknown) {
    // A client that hung up before its body arrived has no one to answer, and nothing
    // went wrong here: API Gateway drops such a request without invoking anything.
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' && res.req.destroyed) return;
    report((error as Error).stack ?? String(error));
    if (!res.headersSent) send(res, 500, undefined, requestId);
    else res.destroy();
  }

  // No named closures per request: the local runtime loads through tsx, whose
  // keep-names transform would rename each one as it is made.
  const server = createServer((req, res) => {
    const requestId = gatewayRequestId();
    try {
      serve(req, res, requestId)?.catch((error: unknown) => fail(res, requestId, error));
    } catch (error) {
      fail(res, requestId, error);
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${options.port} is already in use: set PORT to a free one`) : error),
    );
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function replaceOrPush(headers: HeaderList, name: string, value: string | string[]) {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) {
      headers[i + 1] = value;
      return;
    }
  }
  headers.push(name, value);
}

function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/** The request's headers, lower-cased and joined as API Gateway does; cookies apart. */
function headersOf(raw: string[]): { headers: Record<string, string>; cookies: string[] | undefined } {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (name === 'cookie') (cookies ??= []).push(...value.split(/;\s*/));
    else {
      const before = headers[name];
      headers[name] = before === undefined ? value : `${before},${value}`;
    }
  }
  return { headers, cookies };
}

/** A path and the route it leads to (shared by every request for it: read only). */
interface Target {
  /** The path as API Gateway reads it. */
  path: string;
  plan: RoutePlan | undefined;
  pathParameters: Record<string, string> | undefined;
}

/**
 * Paths and query strings made only of characters the URL parser leaves as they are
 * (no escapes, dot segments, backslashes or a leading `//`) are taken as they stand;
 * anything else goes through the parser.
 */
const plainPath = /^\/(?!\/)[A-Za-z0-9\-_~!$&'()*+,;=:@/.]*$/;
const plainQuery = /^[A-Za-z0-9\-_~!$&()*+,;=:@/.?%[\]^`{|}\\]*$/;

/**
 * `Date#toUTCString` has whole seconds: one string a second does for every request in it
 * (building it costs ~1 µs, measured here, of a ~60 µs request under load).
 */
let clockSecond = -1;
let clockText = '';
function utcString(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== clockSecond) {
    clockSecond = second;
    clockText = new Date(epochMs).toUTCString();
  }
  return clockText;
}

/** A request as the gateway has read it, before its body. */
interface Incoming {
  req: IncomingMessage;
  requestId: string;
  method: string;
  target: Target;
  /** The raw query string. */
  query: string;
  headers: Record<string, string>;
  cookies: string[] | undefined;
}

function toEvent(request: Incoming, body: Buffer, routeKey: string): APIGatewayProxyEventV2 {
  const { req, requestId, method, target, query: rawQuery, headers, cookies } = request;
  const socket = req.socket;
  // API Gateway tells functions how the client reached it; the local gateway speaks plain HTTP.
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(socket.localPort ?? '');
  headers['x-forwarded-for'] = socket.remoteAddress ?? '';
  let query: Record<string, string> | undefined;
  if (rawQuery !== '') {
    for (const [key, value] of new URLSearchParams(rawQuery)) {
      query ??= {};
      query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
    }
  }
  const isText = body.length === 0 || textTypes.test(headers['content-type'] ?? '');
  const timeEpoch = Date.now();
  const host = headers.host ?? 'localhost';
  const dot = host.indexOf('.');
  // Keys in the order API Gateway sends them; the optional ones only when there is something.
  const event = { version: '2.0', routeKey, rawPath: target.path, rawQueryString: rawQuery } as APIGatewayProxyEventV2;
  if (cookies) event.cookies = cookies;
  event.headers = headers;
  if (query) event.queryStringParameters = query;
  if (target.pathParameters) event.pathParameters = { ...target.pathParameters };
  event.requestContext = {
    accountId: '000000000000',
    apiId: 'local',
    domainName: host,
    domainPrefix: dot < 0 ? host : host.slice(0, dot),
    http: {
      method,
      path: target.path,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey,
    stage: '$default',
    time: utcString(timeEpoch),
    timeEpoch,
  };
  if (body.length) event.body = isText ? body.toString('utf8') : body.toString('base64');
  event.isBase64Encoded = !isText;
  return event;
}

/** Reads `$request.header.X` / `$request.querystring.x` identity sources, parsed once. */
function compileIdentitySource(source: string): (event: APIGatewayProxyEventV2) => string | undefined {
  const [, kind, name] = /^\$request\.(header|querystring)\.(.+)$/.exec(source) ?? [];
  if (!kind || !name) {
    // As API Gateway would refuse it, every request that needs it fails.
    return () => {
      throw new Error(`unsupported identity source ${source}`);
    };
  }
  const lower = name.toLowerCase();
  return kind === 'header'
    ? (event) => nonEmpty(event.headers[lower])
    : (event) => nonEmpty(event.queryStringParameters?.[name]);
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/** The body, or null past API Gateway's limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= gatewayMaxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > gatewayMaxBytes ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The shape of API Gateway's request ids (`Yx8Wqj3PIAMEb7w=`), cut from a pool of random bytes. */
let entropy = Buffer.alloc(0);
let used = 0;
function gatewayRequestId(): string {
  if (used + 10 > entropy.length) {
    entropy = randomBytes(4096);
    used = 0;
  }
  used += 10;
  return entropy.toString('base64', used - 10, used);
}
