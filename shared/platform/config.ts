import * as z from 'zod';

/**
 * Reads the environment variables a module declares, once, at cold start.
 * A missing or malformed variable fails fast with a message that names it.
 */
export function readConfig<S extends z.ZodType<Record<string, unknown>>>(
  module: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      if (!name) return issue.message;
      return issue.code === 'invalid_type' && env[name] === undefined
        ? `${name} is not set`
        : `${name}: ${issue.message}`;
    });
    throw new Error(`${module} cannot start: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Memoises a zero-argument factory: one instance per Lambda container. */
export function once<T>(factory: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = factory();
      made = true;
    }
    return value;
  };
}
