import { createHmac } from 'node:crypto';

/**
 * The `webhook-signature` header of the Standard Webhooks scheme (FACTS): one
 * `v1,<base64 HMAC-SHA256>` entry per secret, space-separated, over `{id}.{timestamp}.{body}`,
 * keyed by the secret's bytes (base64 after `whsec_`). During a rotation's overlap both
 * secrets sign, so a receiver holding either verifies.
 */
export function signatureHeader(secrets: readonly string[], id: string, timestampSeconds: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
    })
    .join(' ');
}
