/**
 * The environment variable each declared resource is handed to functions through.
 * The CDK app sets exactly the ones a function declares; the local runtime sets them all.
 */
const screaming = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export const resourceEnv = {
  table: (name: string) => `${screaming(name)}_TABLE_NAME`,
  queue: (name: string) => `${screaming(name)}_QUEUE_URL`,
  bucket: 'UPLOADS_BUCKET_NAME',
  key: 'KEY_ARN',
} as const;
