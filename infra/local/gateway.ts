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
  splitRoute,
  type Declaration,
  type RouteDeclaration,
} from '../declaration';
import type { FunctionHost } from './functions';

/**
 * A local API Gateway (HTTP API, payload format 2.0) in front of the declared routes.
 * It does what API Gateway does and no more: routing with `$default` as the fallback,
 * CORS preflight, the Lambda authorizer with its result cache, the 10 MB payload limit,
 * and the v2 event and response mapping. Everything else is the handlers' job, so it
 * behaves the same in AWS.
 */
export interface GatewayOptions {
  declaration: Declaration;
  functions: FunctionHost;
  port: number;
  host?: string;
  /** The clock the authorizer cache reads; tests move it forward instead of sleeping. */
  now?: () => number;
}

export interface RunningGateway {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** API Gateway's own payload limit for HTTP APIs. */
const gatewayMaxBytes = 10 * 1024 * 1024;

const textTypes = /^(text\/|application\/([\w.+-]+\+)?(json|xml|x-www-form-urlencoded|javascript))/i;

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { declaration, functions } = options;
  const now = options.now ?? Date.now;
  const [authorizerName, authorizer] = authorizerOf(declaration);
  const fallback = routesOf(declaration).find(([, r]) => r.route === '$default');
  const verdicts = new Map<string, { until: number; context: Record<string, unknown> | null }>();
  const cors = declaration.api.cors;

  async function authorize(
    event: APIGatewayProxyEventV2,
    routeArn: string,
  ): Promise<{ status: 401 | 403 } | { context: Record<string, unknown> }> {
    const identity = authorizer.identitySource.map((source) => identityValue(source, event));
    if (identity.some((value) => value === undefined)) return { status: 401 };
    const cacheKey = identity.join('\u0000');
    const cached = verdicts.get(cacheKey);
    if (cached && cached.until > now()) {
      return cached.context ? { context: cached.context } : { status: 403 };
    }
    const authorizerEvent: APIGatewayRequestAuthorizerEventV2 = {
      version: '2.0',
      type: 'REQUEST',
      routeArn,
      identitySource: identity as string[],
      routeKey: event.routeKey,
      rawPath: event.rawPath,
      rawQueryString: event.rawQueryString,
      cookies: event.cookies ?? [],
      headers: event.headers,
      queryStringParameters: event.queryStringParameters ?? {},
      requestContext: event.requestContext as APIGatewayRequestAuthorizerEventV2['requestContext'],
      pathParameters: event.pathParameters ?? {},
      stageVariables: {},
    };
    const result = (await functions.invoke(authorizerName, authorizerEvent)) as {
      isAuthorized?: boolean;
      context?: Record<string, unknown>;
    };
    const context = result?.isAuthorized === true ? (result.context ?? {}) : null;
    if (authorizer.resultsCacheTtlSeconds > 0) {
      verdicts.set(cacheKey, { until: now() + authorizer.resultsCacheTtlSeconds * 1000, context });
    }
    return context ? { context } : { status: 403 };
  }

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const method = req.method ?? 'GET';
    const origin = header(req, 'origin');
    const requestId = gatewayRequestId();
    res.setHeader('apigw-requestid', requestId);

    if (method === 'OPTIONS' && origin && header(req, 'access-control-request-method')) {
      return preflight(res, origin);
    }
    const body = await readBody(req);
    if (body === null) return send(res, 413, { message: 'Request Entity Too Large' }, origin);

    const { match } = matchRoute(declaration, method, url.pathname);
    const [name, route, pathParameters] = match
      ? [match.name, match.route, match.pathParameters]
      : fallback
        ? [fallback[0], fallback[1], {}]
        : [undefined, undefined, {}];
    if (!name || !route) return send(res, 404, { message: 'Not Found' }, origin);

    const event = toEvent(req, url, body, route, pathParameters, requestId);
    if (route.contract.scope !== null) {
      const verdict = await authorize(event, `arn:aws:execute-api:local:000000000000:local/$default/${method}${url.pathname}`);
      if ('status' in verdict) {
        return send(res, verdict.status, { message: verdict.status === 401 ? 'Unauthorized' : 'Forbidden' }, origin);
      }
      event.requestContext = { ...event.requestContext, authorizer: { lambda: verdict.context } } as never;
    }
    let result: unknown;
    try {
      result = await functions.invoke(name, event);
    } catch {
      // API Gateway's answer when the integration fails; the function host logged the error.
      return send(res, 500, { message: 'Internal Server Error' }, origin);
    }
    writeResult(res, result, origin);
  }

  function preflight(res: ServerResponse, origin: string) {
    if (!originAllowed(origin)) {
      res.writeHead(204);
      return res.end();
    }
    res.writeHead(204, {
      'access-control-allow-origin': cors.allowOrigins.includes('*') ? '*' : origin,
      'access-control-allow-methods': cors.allowMethods.join(','),
      'access-control-allow-headers': cors.allowHeaders.join(','),
      'access-control-max-age': String(cors.maxAgeSeconds),
      vary: 'origin',
    });
    res.end();
  }

  function corsHeaders(origin: string | undefined): Record<string, string> {
    if (!origin || !originAllowed(origin)) return {};
    return {
      'access-control-allow-origin': cors.allowOrigins.includes('*') ? '*' : origin,
      'access-control-expose-headers': cors.exposeHeaders.join(','),
      vary: 'origin',
    };
  }

  const originAllowed = (origin: string) => cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin);

  function send(res: ServerResponse, status: number, body: unknown, origin: string | undefined) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...corsHeaders(origin),
    });
    res.end(text);
  }

  /** Payload 2.0 response mapping, including the shorthand of a plain returned object. */
  function writeResult(res: ServerResponse, result: unknown, origin: string | undefined) {
    const structured =
      result !== null && typeof result === 'object' && 'statusCode' in result
        ? (result as APIGatewayProxyStructuredResultV2)
        : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
    const payload = structured.body
      ? Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8')
      : Buffer.alloc(0);
    const headers: Record<string, string | number | string[]> = {
      ...corsHeaders(origin),
      ...(structured.headers as Record<string, string>),
      'content-length': payload.length,
    };
    if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
    res.writeHead(structured.statusCode ?? 200, headers);
    res.end(payload);
  }

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      process.stderr.write(`gateway: ${(error as Error).stack ?? String(error)}\n`);
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' }, undefined);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
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

function toEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  route: RouteDeclaration,
  pathParameters: Record<string, string>,
  requestId: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') cookies.push(...value.split(/;\s*/));
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  // API Gateway tells functions how the client reached it; the local gateway speaks plain HTTP.
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  }
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || textTypes.test(contentType);
  const time = new Date();
  const routeKey = route.route === '$default' ? '$default' : `${splitRoute(route.route).method} ${splitRoute(route.route).path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: time.toUTCString(),
      timeEpoch: time.getTime(),
    },
    ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

/** Values of `$request.header.X` / `$request.querystring.x` identity sources. */
function identityValue(source: string, event: APIGatewayProxyEventV2): string | undefined {
  const [, kind, name] = /^\$request\.(header|querystring)\.(.+)$/.exec(source) ?? [];
  if (!kind || !name) throw new Error(`unsupported identity source ${source}`);
  const value =
    kind === 'header' ? event.headers[name.toLowerCase()] : event.queryStringParameters?.[name];
  return value === undefined || value === '' ? undefined : value;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body, or null past API Gateway's limit (the rest is drained, not buffered). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    // No body announced (most GETs): nothing to wait for.
    req.resume();
    return Promise.resolve(Buffer.alloc(0));
  }
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
