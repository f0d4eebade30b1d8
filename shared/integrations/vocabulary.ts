import * as z from 'zod';

/**
 * The few facts about integrations that code outside the definition schema needs at run
 * time: how a key is spelled, which credential fields each auth type takes, how a
 * definition's patterns match. They live apart from `schema.ts` so that a function which
 * only names an integration (an OAuth client, a connection) does not build the whole
 * definition schema at cold start: ~20 ms of zod construction, measured here.
 */
export const authTypes = ['api_key', 'basic', 'bearer', 'oauth2', 'none'] as const;

export const integrationKeyPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const IntegrationKey = z.string().max(64).regex(integrationKeyPattern, 'must be a kebab-case integration key');
export const IntegrationPath = z.strictObject({ key: IntegrationKey });

/** The credential fields each auth type takes, fixed by the API (`api_key` → `{ apiKey }`…). */
export const credentialFieldNames: Record<(typeof authTypes)[number], readonly string[]> = {
  api_key: ['apiKey'],
  basic: ['username', 'password'],
  bearer: ['token'],
  oauth2: [],
  none: [],
};

/**
 * Compiles a definition's pattern so that it must match the whole value: patterns are
 * written without anchors, so `a|b` cannot be read as "contains a, or ends in b".
 */
export function compilePattern(source: string): RegExp {
  return new RegExp(`^(?:${source})$`, 'u');
}

export function compiles(source: string): boolean {
  try {
    compilePattern(source);
    return true;
  } catch {
    return false;
  }
}

/** A regular expression, written without anchors: it always has to match the whole value (see `compilePattern`). */
export const Pattern = z
  .string()
  .min(1)
  .max(300)
  .refine((source) => compiles(source), 'must be a valid regular expression');
