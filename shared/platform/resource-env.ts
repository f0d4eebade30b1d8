/**
 * The environment variable each declared resource is handed to functions through.
 * The CDK app sets exactly the ones a function declares; the local runtime sets them all.
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
