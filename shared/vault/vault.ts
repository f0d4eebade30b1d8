import { getLocalCryptographicMaterialsCache, NodeCachingMaterialsManager } from '@aws-crypto/caching-materials-manager-node';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, CommitmentPolicy } from '@aws-crypto/material-management-node';
import type { Keyring } from './keyring';

/**
 * The credential vault: envelope encryption with the AWS Encryption SDK.
 *
 * Every ciphertext is bound to an encryption context of tenant, connection and purpose;
 * `open` refuses a ciphertext whose context differs from the one asked for, so a
 * ciphertext copied onto another connection's item does not decrypt there.
 *
 * Decryption goes through a caching materials manager: reading the same credentials
 * again within `maxAgeMs` reuses the unwrapped data key instead of calling KMS
 * (KMS bills per request and throttles per account). Encryption never reuses a data key.
 */
export interface VaultContext {
  tenantId: string;
  connectionId: string;
  purpose: string;
}

export interface Sealed {
  /** Base64 of the Encryption SDK message. */
  ciphertext: string;
  /** The key that wrapped it (KMS ARN or local key id). */
  keyId: string;
  /** What it is bound to; kept beside it so key rotation can re-seal it without knowing its kind. */
  context: VaultContext;
}

export interface Vault {
  seal(secret: unknown, context: VaultContext): Promise<Sealed>;
  open<T = unknown>(sealed: Sealed, context: VaultContext): Promise<T>;
  readonly currentKeyId: string;
}

// The Encryption SDK's packages one by one rather than `@aws-crypto/client-node`, which
// has no ES module build and so brings every keyring (and the SDK clients behind the
// hierarchical one) into each bundle.
const { encrypt } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const { decrypt } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

export function createVault(keyring: Keyring, options: { maxAgeMs?: number; cacheSize?: number } = {}): Vault {
  const decrypting = new NodeCachingMaterialsManager({
    backingMaterials: keyring.keyring,
    cache: getLocalCryptographicMaterialsCache(options.cacheSize ?? 1000),
    maxAge: options.maxAgeMs ?? 5 * 60 * 1000,
    // Decrypt-only cache: encryption goes straight to the keyring below.
    maxMessagesEncrypted: 1,
  });
  return {
    currentKeyId: keyring.currentKeyId,
    async seal(secret, context) {
      const { result } = await encrypt(keyring.keyring, JSON.stringify(secret), {
        encryptionContext: toEncryptionContext(context),
        // Key commitment without the ECDSA signature: only holders of the KMS key can
        // write credentials anyway, and verifying a P-384 signature costs ~1 ms per read.
        suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      });
      return { ciphertext: Buffer.from(result).toString('base64'), keyId: keyring.currentKeyId, context };
    },
    async open<T>(sealed: Sealed, context: VaultContext) {
      const expected = toEncryptionContext(context);
      const { plaintext, messageHeader } = await decrypt(decrypting, Buffer.from(sealed.ciphertext, 'base64'));
      for (const [name, value] of Object.entries(expected)) {
        if (messageHeader.encryptionContext[name] !== value) {
          throw new Error(`the ciphertext belongs to another ${name}; refusing to open it`);
        }
      }
      return JSON.parse(plaintext.toString('utf8')) as T;
    },
  };
}

function toEncryptionContext(context: VaultContext): Record<string, string> {
  return {
    'junction:tenant': context.tenantId,
    'junction:connection': context.connectionId,
    'junction:purpose': context.purpose,
  };
}
