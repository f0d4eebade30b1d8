import { once } from '../platform/config';
import { keyringFromEnv } from './keyring';
import { createVault, type Vault } from './vault';

/** The container's one vault (one decrypt cache), on the keyring its environment names. */
export const defaultVault = once(() => createVault(keyringFromEnv()));

/**
 * The same vault, built on first use: a function that never touches a secret (a list, a
 * read) runs without the key's environment and without a grant on it.
 */
export const lazyVault: Vault = {
  get currentKeyId() {
    return defaultVault().currentKeyId;
  },
  seal: (secret, context) => defaultVault().seal(secret, context),
  open: (sealed, context) => defaultVault().open(sealed, context),
};
