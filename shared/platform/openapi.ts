import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import * as z from 'zod';
import type { Contract } from './contract';
import { Problem, problemContentType } from './problem';

export interface DocumentedRoute {
  method: string;
  path: string;
  /** The declared function's name: generated clients name their methods after it. */
  operationId: string;
  contract: Contract;
}

/** Errors any route can answer, besides those its contract names. */
const commonProblems: Record<number, string> = {
  400: 'The request is not valid (the problem lists each field)',
  413: 'The body is larger than 1 MiB',
  500: 'A bug on our side (quote the request id)',
};
const bodyProblems: Record<number, string> = {
  415: 'The body is not application/json',
};
const pathProblems: Record<number, string> = {
  404: "No such resource for this key's tenant (another tenant's are not found either)",
};
/** Mutating POSTs take an Idempotency-Key (see idempotency.ts). */
const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .max(255)
    .optional()
    .meta({ description: 'Retrying with the same key replays the first response instead of acting twice (kept 24 hours)' }),
});
/** Routes that answer 428 change a versioned resource, and only with its ETag (versioning.ts). */
const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .meta({ description: 'The ETag of the version this change is based on, as the API answered it ("3"); a stale one gets 412, none 428' }),
});
const idempotencyProblems: Record<number, string> = {
  409: 'A request with this Idempotency-Key is still running, or succeeded without a replayable response',
  422: 'This Idempotency-Key was used for a different request',
};
const authProblems: Record<number, string> = {
  401: 'Missing, unknown or revoked API key',
  403: 'The key lacks the scope this route needs',
  429: "The tenant's requests this minute are over its budget (see Retry-After)",
};

/**
 * A route's path as OpenAPI writes it: API Gateway's greedy `{name+}` (the proxy's path)
 * is a plain `{name}`, since OpenAPI has no greedy form; the parameter's value may hold `/`.
 */
export const openApiPath = (path: string) => path.replace(/\{(\w+)\+\}/g, '{$1}');

/** The OpenAPI 3.1 document, built from the same contracts that validate requests. */
export function buildOpenApi(routes: DocumentedRoute[], info: { version: string; license: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const { method, path, operationId, contract } of routes) {
    const idempotent = method === 'POST' && contract.audit !== undefined;
    const operation: ZodOpenApiOperationObject = {
      operationId,
      summary: contract.summary,
      tags: [contract.tag],
      ...(contract.scope === null
        ? { security: [] }
        : { security: [{ apiKey: [] }], 'x-junction-scope': contract.scope }),
      requestParams: {
        ...(contract.path ? { path: contract.path as never } : {}),
        ...(contract.query ? { query: contract.query as never } : {}),
        ...headersOf(contract, idempotent),
      },
      ...(contract.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: contract.body } } } }
        : contract.rawBody
          ? { requestBody: { required: true, content: { '*/*': { schema: z.string().meta({ description: 'The bytes as the sender signed them' }) } } } }
          : {}),
      responses: responsesOf(contract, idempotent),
    };
    const item = (paths[openApiPath(path)] ??= {});
    (item as Record<string, unknown>)[method.toLowerCase()] = operation;
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Junction API',
      version: info.version,
      description:
        'Connections, OAuth2, syncs, webhooks and uploads, deployed in your own AWS account. ' +
        'Errors are RFC 9457 problem+json. Lists page with `limit` and `cursor`.',
      // An SPDX expression (package.json's `license`), which 3.1 takes as `identifier`.
      license: { name: info.license, identifier: info.license },
    },
    // Each team deploys its own Junction at its own URL, and the document is built before
    // any URL exists: a relative server is the one that served the document (OpenAPI 3.1
    // §4.8.5), so the docs page's requests go to the Junction that serves the page.
    servers: [{ url: '/', description: 'The Junction that serves this document' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A Junction API key (jh_…)' },
      },
    },
    security: [{ apiKey: [] }],
    paths,
  });
}

function headersOf(contract: Contract, idempotent: boolean) {
  const shape = { ...(idempotent ? IdempotencyHeader.shape : {}), ...(428 in contract.responses ? IfMatchHeader.shape : {}) };
  return Object.keys(shape).length ? { header: z.object(shape) } : {};
}

function responsesOf(contract: Contract, idempotent: boolean) {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, response] of Object.entries(contract.responses)) {
    const contentType = response.contentType ?? 'application/json';
    // An error a contract names without a body is a problem, as every error is.
    const problem = !response.schema && !response.contentType && Number(status) >= 400;
    responses[status] = {
      description: response.description,
      ...(problem
        ? { content: { [problemContentType]: { schema: Problem() } } }
        : response.schema || response.contentType
          ? { content: { [contentType]: response.schema ? { schema: response.schema() } : {} } }
          : {}),
    };
  }
  const extra = {
    ...(contract.scope === null ? {} : authProblems),
    ...(contract.path ? pathProblems : {}),
    ...(contract.body ? bodyProblems : {}),
    ...(idempotent ? idempotencyProblems : {}),
    ...commonProblems,
    ...(contract.maxBodyBytes ? { 413: `The body is larger than ${contract.maxBodyBytes / (1024 * 1024)} MiB` } : {}),
  };
  for (const [status, description] of Object.entries(extra)) {
    responses[status] ??= { description, content: { [problemContentType]: { schema: Problem() } } };
  }
  return responses;
}
