import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import type { Principal, AuthorizerContext } from './principal';
import { authenticatedAs, principalFrom } from './principal';
import { recordRefusal, type Audit } from './audit';
import { mainTable } from './tables';
import { rateLimitHeaders, tenantRateLimiter, type Admission } from './rate-limit';
import type { Contract } from './contract';
import {
  DomainError,
  Invalid,
  PayloadTooLarge,
  UnsupportedMediaType,
  type FieldError,
} from './errors';
import { logger } from './logger';
import { countProblem } from './metrics';
import { problemResponse, internalErrorResponse } from './problem';

/** Largest request body any route accepts (API Gateway itself allows 10 MB). */
export const maxBodyBytes = 1024 * 1024;

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HttpResult = APIGatewayProxyStructuredResultV2;

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export interface HttpInput<C extends Contract> {
  body: Infer<C['body']>;
  query: Infer<C['query']>;
  path: Infer<C['path']>;
  /** The caller; routes without a scope get an anonymous principal. */
  principal: C['scope'] extends null ? null : Principal;
  /** Who is changing what, for the audit entry the change writes in its transaction. */
  audit: C['audit'] extends string ? Audit : undefined;
  requestId: string;
  headers: Record<string, string | undefined>;
}

export interface HttpOutput {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as-is instead of JSON (the docs page). */
  raw?: string;
}

interface Internal extends Record<string, unknown> {
  requestId: string;
  correlationId: string;
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
}

const platformDependencies: HttpDependencies = {
  admit: (tenantId) => tenantRateLimiter()(tenantId),
  recordRefusal: (audit, target, status, problem) => recordRefusal(mainTable(), audit, target, status, problem),
};

export const http = createHttp(platformDependencies);

export function createHttp(dependencies: HttpDependencies) {
  return <C extends Contract>(contract: C, handle: (input: HttpInput<C>) => Promise<HttpOutput>) =>
    route(contract, handle, dependencies);
}

function route<C extends Contract>(
  contract: C,
  handle: (input: HttpInput<C>) => Promise<HttpOutput>,
  dependencies: HttpDependencies,
) {
  return wrap(
    async (event) => {
      const principal = contract.scope === null ? null : principalFrom(event, contract.scope);
      const input = {
        principal,
        audit: principal && contract.audit ? auditOf(principal, event, contract.audit) : undefined,
        body: parseBody(event, contract),
        query: validate('query', contract.query, queryOf(event)),
        path: validate('path', contract.path, event.pathParameters ?? {}),
        requestId: event.requestContext.requestId,
        headers: event.headers ?? {},
      } as HttpInput<C>;
      return handle(input);
    },
    [
      ...(contract.scope === null ? [] : [rateLimit(dependencies)]),
      ...(contract.audit ? [auditRefusals(contract.audit, dependencies)] : []),
    ],
  );
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

/** The plumbing without parsing, for a route that reads the raw event (`$default`). */
export function wrap(handle: (event: HttpEvent) => Promise<HttpOutput>, layers: Middleware[] = []) {
  const handler = middy<HttpEvent, HttpResult, Error, Context, Internal>().use(correlate());
  for (const layer of layers) handler.use(layer);
  return handler.handler(async (event) => toResult(await handle(event)));
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
      const target = request.event.pathParameters?.id ?? null;
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
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBodyBytes) {
    throw new PayloadTooLarge(`the body is ${size} bytes; the limit is ${maxBodyBytes} bytes`);
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
    throw new Invalid(`the body is not valid JSON: ${(error as Error).message}`);
  }
  return validate('body', contract.body, json);
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
