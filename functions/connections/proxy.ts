import type { Context } from 'aws-lambda';
import type { Audit } from '../../shared/platform/audit';
import { http, type HttpEvent } from '../../shared/platform/http';
import type { Principal } from '../../shared/platform/principal';
import { proxyDeleteContract, proxyGetContract, proxyPatchContract, proxyPostContract, proxyPutContract } from '../../shared/proxy/contracts';
import { proxyDeps } from '../../shared/proxy/deps';
import { proxyRequest } from '../../shared/proxy/service';

/** What each method's input has in common (HttpInput of its contract). */
interface ProxyInput {
  principal: Principal;
  audit?: Audit;
  path: { id: string };
  body: unknown;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | undefined>;
}

const pass = (method: string) => async (input: ProxyInput) => {
  // POST, PUT and PATCH take their body as bytes (`rawBody`); GET and DELETE take none.
  const body = input.body instanceof Buffer && input.body.length > 0 ? input.body : undefined;
  const answer = await proxyRequest(proxyDeps(), input.principal.tenantId, input.audit, {
    method,
    connectionId: input.path.id,
    rawPath: input.rawPath,
    rawQuery: input.rawQuery,
    headers: input.headers,
    ...(body ? { body } : {}),
  });
  return { status: answer.status, headers: answer.headers, bytes: answer.body };
};

// One module for the five route entries (infra/functions.ts): each method has its own
// contract (scope, audit action, body), and API Gateway names the method in the event.
const handlers = {
  GET: http(proxyGetContract, pass('GET')),
  DELETE: http(proxyDeleteContract, pass('DELETE')),
  POST: http(proxyPostContract, pass('POST')),
  PUT: http(proxyPutContract, pass('PUT')),
  PATCH: http(proxyPatchContract, pass('PATCH')),
};

export const handler = (event: HttpEvent, context: Context) => handlers[event.requestContext.http.method as keyof typeof handlers](event, context);
