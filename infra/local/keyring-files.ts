import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localKeyring } from '../../shared/vault/keyring';

/**
 * Local mode's stand-in for KMS keys, under the data directory:
 *   keyring.key              the current 256-bit key (owner-only)
 *   keyring-retired-<id>.key keys rotated out, kept to open what was sealed with them
 */
export function ensureKeyring(dataDir: string): string {
  const path = join(dataDir, 'keyring.key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
  return path;
}

export function retiredKeyrings(dataDir: string): string[] {
  return readdirSync(dataDir)
    .filter((name) => /^keyring-retired-.+\.key$/.test(name))
    .sort()
    .map((name) => join(dataDir, name));
}

/** Retires the current key and makes a new one; returns the new key's id. */
export function replaceKeyring(dataDir: string): string {
  const current = ensureKeyring(dataDir);
  renameSync(current, join(dataDir, `keyring-retired-${localKeyring(current).id}.key`));
  return localKeyring(ensureKeyring(dataDir)).id;
}

/** The environment a vault reads in local mode. */
export function keyringEnv(dataDir: string) {
  return {
    LOCAL_KEYRING_PATH: ensureKeyring(dataDir),
    LOCAL_PREVIOUS_KEYRING_PATHS: retiredKeyrings(dataDir).join(','),
  };
}
