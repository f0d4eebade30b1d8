import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { DomainError } from './errors';
import { problemType } from './errors';
import type { Problem } from './problem-schema';


export const problemContentType = 'application/problem+json';

export function problemBody(
  problem: Omit<Problem, 'requestId'>,
  requestId: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': problemContentType, ...headers },
    body: JSON.stringify({ ...problem, requestId }),
  };
}

export function problemResponse(error: DomainError, requestId: string, instance?: string) {
  return problemBody(
    {
      type: error.type,
      title: error.title,
      status: error.status,
      detail: error.message,
      instance,
      ...(error.errors ? { errors: error.errors } : {}),
    },
    requestId,
    error.headers,
  );
}

/** A bug: say nothing about it beyond the request id to look it up by. */
export function internalErrorResponse(requestId: string, instance?: string) {
  return problemBody(
    {
      type: problemType('internal'),
      title: 'Internal error',
      status: 500,
      detail: `something went wrong on our side; quote request id ${requestId} when reporting it`,
      instance,
    },
    requestId,
  );
}
