import { createHash, randomBytes } from 'node:crypto';

/**
 * PKCE (RFC 7636) with S256, a fresh verifier per flow: 32 random bytes give a 43-character
 * verifier, the shortest the RFC allows, with 256 bits of entropy.
 */
export function newVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A secret for `state`: 256 random bits, single use, compared by hash. */
export function newStateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}
