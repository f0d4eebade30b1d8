import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KmsOperations } from '../../shared/vault/keyring';

/**
 * A stand-in for KMS (which cannot run here) that speaks the three operations the
 * Encryption SDK's KMS keyring uses, wraps data keys with real AES-GCM under a per-key
 * secret, binds them to the encryption context as KMS does, and counts calls.
 */
export function fakeKms(keyArns: string[]) {
  const masters = new Map(keyArns.map((arn) => [arn, randomBytes(32)]));
  const calls = { generateDataKey: 0, encrypt: 0, decrypt: 0 };
  const aad = (context: Record<string, string> = {}) =>
    Buffer.from(JSON.stringify(Object.entries(context).sort()));

  function wrap(keyId: string, plaintext: Uint8Array, context?: Record<string, string>) {
    const master = masters.get(keyId);
    if (!master) throw Object.assign(new Error(`key ${keyId} not found`), { name: 'NotFoundException' });
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv).setAAD(aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const arn = Buffer.from(keyId);
    // [arn length][arn][iv][tag][body], so decrypt knows which key, like a real KMS blob.
    return Buffer.concat([Buffer.from([arn.length]), arn, iv, cipher.getAuthTag(), body]);
  }

  const kms = {
    async generateDataKey(input: { KeyId: string; NumberOfBytes?: number; EncryptionContext?: Record<string, string> }) {
      calls.generateDataKey++;
      const plaintext = randomBytes(input.NumberOfBytes ?? 32);
      return { KeyId: input.KeyId, Plaintext: plaintext, CiphertextBlob: wrap(input.KeyId, plaintext, input.EncryptionContext) };
    },
    async encrypt(input: { KeyId: string; Plaintext: Uint8Array; EncryptionContext?: Record<string, string> }) {
      calls.encrypt++;
      return { KeyId: input.KeyId, CiphertextBlob: wrap(input.KeyId, input.Plaintext, input.EncryptionContext) };
    },
    async decrypt(input: { CiphertextBlob: Uint8Array; KeyId?: string; EncryptionContext?: Record<string, string> }) {
      calls.decrypt++;
      const blob = Buffer.from(input.CiphertextBlob);
      const keyId = blob.subarray(1, 1 + blob[0]!).toString();
      const rest = blob.subarray(1 + blob[0]!);
      const master = masters.get(keyId);
      if (!master || (input.KeyId && input.KeyId !== keyId)) {
        throw Object.assign(new Error('IncorrectKeyException'), { name: 'IncorrectKeyException' });
      }
      const decipher = createDecipheriv('aes-256-gcm', master, rest.subarray(0, 12)).setAAD(aad(input.EncryptionContext));
      decipher.setAuthTag(rest.subarray(12, 28));
      return { KeyId: keyId, Plaintext: Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]) };
    },
  };
  /** `kms` typed as the keyring takes a client; `operations` as this fake answers. */
  return { kms: kms as unknown as KmsOperations, operations: kms, calls };
}
