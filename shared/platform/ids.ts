import { createHash, randomBytes } from 'node:crypto';

/**
 * Time-ordered identifiers (`key_01JD5…`): 48 bits of milliseconds then 80 random bits,
 * in Crockford base32, so ids sort by creation time and lists can page newest-first.
 */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newId(prefix: string, now: number = Date.now()): string {
  return encodeId(prefix, now, randomBytes(10));
}

/**
 * The same id every time for the same `seed` and time: work that may be started twice
 * (a scheduler's firing, retried) names its item this way, and the second start finds it.
 */
export function derivedId(prefix: string, at: number, seed: string): string {
  return encodeId(prefix, at, createHash('sha256').update(seed).digest().subarray(0, 10));
}

function encodeId(prefix: string, now: number, tailBytes: Uint8Array): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let bits = 0n;
  for (const byte of tailBytes) bits = (bits << 8n) | BigInt(byte);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = alphabet[Number(bits & 31n)] + tail;
    bits >>= 5n;
  }
  return `${prefix}_${time}${tail}`;
}

export const idPattern = (prefix: string) => new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`);
