import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API key material. A key is `jh_` + 256 random bits (base64url); only its SHA-256 is
 * stored. A fast hash is enough here: the key has full entropy, so there is nothing to
 * brute-force that a slow hash would protect.
 */
export function generateKeySecret(): string {
  return `jh_${randomBytes(32).toString('base64url')}`;
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, 10);
}

/** Compares a presented key with a stored hash in constant time. */
export function keyMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashKey(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The longest key the authorizer reads; a longer one is refused before any lookup. */
export const maxKeyLength = 512;
const bearer = new RegExp(`^Bearer\\s+(\\S{1,${maxKeyLength}})\\s*$`, 'i');

/** `Bearer jh_…` → the key, or null when the header is not of that form. */
export function keyFromAuthorization(header: string | undefined): string | null {
  return bearer.exec(header ?? '')?.[1] ?? null;
}
