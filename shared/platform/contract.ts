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
  query?: z.ZodType;
  path?: z.ZodType;
  responses: Record<number, ResponseContract>;
}

export interface ResponseContract {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json when a schema is given. */
  contentType?: string;
}

export function defineContract<C extends Contract>(contract: C): C {
  return contract;
}
