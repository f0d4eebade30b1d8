import type { z } from 'zod';

/**
 * The wire contract of one HTTP route: what it takes and what it answers.
 * The handler wrapper validates requests with it and the OpenAPI document is generated
 * from it, so the two cannot drift apart.
 */
export type Scope = 'read' | 'write' | 'admin';
export const scopes: readonly Scope[] = ['read', 'write', 'admin'];

export interface Contract {
  summary: string;
  tag: string;
  /** Scope the caller's API key must hold; `null`: the route takes no API key. */
  scope: Scope | null;
  /** For a mutating route: the audit log's name for it (`api_key.create`). */
  audit?: string;
  /**
   * The response carries a secret shown once (a new API key): an Idempotency-Key retry is
   * told the request already succeeded instead of being shown the secret again.
   */
  secretResponse?: boolean;
  /** Strict object schemas (unknown fields are rejected). */
  body?: z.ZodType;
  /**
   * The handler gets the body's exact bytes (base64-decoded when API Gateway marks it so),
   * of any content type, unparsed: a provider's signature covers those bytes, and a parsed
   * and re-serialised body would not verify (Svix #1463). Exclusive with `body`.
   */
  rawBody?: true;
  /**
   * This route's largest request body, in bytes, raw or JSON; without it the API's one
   * limit (`maxBodyBytes` in http.ts). Larger is answered 413 before the handler runs.
   */
  maxBodyBytes?: number;
  query?: z.ZodType;
  path?: z.ZodType;
  responses: Record<number, ResponseContract>;
}

export interface ResponseContract {
  description: string;
  /** Called only to build the OpenAPI document: functions never validate what they answer. */
  schema?: ResponseSchema;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

export function defineContract<C extends Contract>(contract: C): C {
  return contract;
}

/** A response's schema, built on first call and kept: `z.infer<ReturnType<typeof X>>` is its type. */
export type ResponseSchema<T extends z.ZodType = z.ZodType> = () => T;

/**
 * Declares a response schema without building it. A function's bundle holds the OpenAPI
 * document already built (infra/bundling.ts), so it never calls this: its cold start
 * skips every response schema of the modules it loads.
 */
export function responseSchema<T extends z.ZodType>(build: () => T): ResponseSchema<T> {
  let built: T | undefined;
  return () => (built ??= build());
}
