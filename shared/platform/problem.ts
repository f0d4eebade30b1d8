import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { responseSchema } from './contract';
import type { DomainError } from './errors';
import { problemType } from './errors';

/** RFC 9457 problem details, as every error response carries them. */
export const Problem = responseSchema(() =>
  z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.number().int(),
      detail: z.string(),
      instance: z.string().optional(),
      requestId: z.string(),
      errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    })
    .meta({ id: 'Problem' }),
);
export type Problem = z.infer<ReturnType<typeof Problem>>;

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
