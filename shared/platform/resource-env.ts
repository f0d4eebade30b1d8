/**
 * The environment variable each declared resource is handed to functions through.
 * Both deployers set exactly the ones a function declares (`accessEnv`): the CDK app in
 * `bindAccess`, the local runtime in each function's own container.
 */
const screaming = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** The reverse of `resourceEnv`: `MAIN_TABLE_NAME` → `main`, `SYNC_RUNS_QUEUE_URL` → `syncRuns`. */
export function declaredNameOf(variable: string, suffix: '_TABLE_NAME' | '_QUEUE_URL' | '_BUCKET_NAME'): string {
  return variable
    .slice(0, -suffix.length)
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_, next: string) => next.toUpperCase());
}

export const resourceEnv = {
  table: (name: string) => `${screaming(name)}_TABLE_NAME`,
  queue: (name: string) => `${screaming(name)}_QUEUE_URL`,
  bucket: 'UPLOADS_BUCKET_NAME',
  key: 'KEY_ARN',
} as const;

/** Where one deployment keeps the declared resources: CDK tokens in AWS, physical names locally. */
export interface ResourceLocations {
  tables: Record<string, string>;
  queues: Record<string, string>;
  bucket: string | null;
  /**
   * The variables that hand a function the vault's key: `KEY_ARN` in AWS; locally the
   * keyring files, which stand in for KMS (see infra/local/keyring-files.ts).
   */
  key: Record<string, string>;
}

/** A function's declared access, as far as its variables go (infra/declaration.ts `Access`; shared/ does not import infra/). */
export interface DeclaredAccess {
  tables?: Record<string, unknown>;
  queues?: Record<string, unknown>;
  bucket?: unknown;
  key?: unknown;
}

/** The variables a function's declared access gives it, whatever the mode; nothing for what it does not declare. */
export function accessEnv(access: DeclaredAccess, at: ResourceLocations): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(access.tables ?? {})) env[resourceEnv.table(name)] = located(at.tables, name, 'table');
  for (const name of Object.keys(access.queues ?? {})) env[resourceEnv.queue(name)] = located(at.queues, name, 'queue');
  if (access.bucket) {
    if (at.bucket === null) throw new Error('access names the bucket, but no bucket is declared');
    env[resourceEnv.bucket] = at.bucket;
  }
  if (access.key) Object.assign(env, at.key);
  return env;
}

function located(where: Record<string, string>, name: string, kind: string): string {
  const found = Object.hasOwn(where, name) ? where[name] : undefined;
  if (found === undefined) throw new Error(`access names the ${kind} "${name}", which is not declared`);
  return found;
}
