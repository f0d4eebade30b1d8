import { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import { MultiKeyringNode, type KeyringNode } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import type { KMS } from '@aws-sdk/client-kms';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { readConfig } from '../platform/config';
import { kms as platformKms } from '../platform/aws';
import { resourceEnv } from '../platform/resource-env';

/**
 * Which key protects credentials, chosen from the environment:
 * - In AWS, `KEY_ARN`: the stack's KMS key (KMS keyring). `PREVIOUS_KEY_ARNS` lists keys
 *   still accepted for decryption while `rotate-credentials-key` moves data off them.
 * - Locally, `LOCAL_KEYRING_PATH`: a 256-bit key in a file (raw AES-GCM keyring), plus
 *   `LOCAL_PREVIOUS_KEYRING_PATHS` for the same purpose.
 * Both produce the same message format, so the vault code is identical.
 */
export interface Keyring {
  /** Encrypts with the current key; decrypts with the current or a previous one. */
  keyring: KeyringNode;
  /** Identifies the current key; stored beside each ciphertext so rotation can skip done items. */
  currentKeyId: string;
}

const list = z
  .string()
  .optional()
  .transform((text) => (text ? text.split(',').map((s) => s.trim()).filter(Boolean) : []));

/** The KMS operations the keyring calls (a fake in unit tests, a counting wrapper in the benchmark). */
export type KmsOperations = Pick<KMS, 'decrypt' | 'encrypt' | 'generateDataKey'>;

export function keyringFromEnv(options: { kms?: KmsOperations; env?: NodeJS.ProcessEnv } = {}): Keyring {
  const config = readConfig(
    'credential vault',
    z
      .object({
        [resourceEnv.key]: z.string().optional(),
        PREVIOUS_KEY_ARNS: list,
        LOCAL_KEYRING_PATH: z.string().optional(),
        LOCAL_PREVIOUS_KEYRING_PATHS: list,
      })
      .refine((c) => Boolean(c[resourceEnv.key]) !== Boolean(c.LOCAL_KEYRING_PATH), {
        message: `set exactly one of ${resourceEnv.key} (AWS) and LOCAL_KEYRING_PATH (local mode)`,
      }),
    options.env,
  );
  const keyArn = config[resourceEnv.key] as string | undefined;
  if (keyArn) {
    const client = options.kms ?? platformKms();
    return {
      currentKeyId: keyArn,
      keyring: new KmsKeyringNode({
        generatorKeyId: keyArn,
        keyIds: config.PREVIOUS_KEY_ARNS as string[],
        // The container's one KMS client (its region is the stack's, as the key's is); the
        // keyring calls only the three operations of KmsOperations.
        clientProvider: () => client as KMS,
      }),
    };
  }
  const [current, ...previous] = [config.LOCAL_KEYRING_PATH as string, ...(config.LOCAL_PREVIOUS_KEYRING_PATHS as string[])].map(
    localKeyring,
  );
  return {
    currentKeyId: current!.id,
    keyring: previous.length
      ? new MultiKeyringNode({ generator: current!.keyring, children: previous.map((k) => k.keyring) })
      : current!.keyring,
  };
}

/** A raw AES-256-GCM keyring from a 32-byte key file; its name is a fingerprint of the key. */
export function localKeyring(path: string) {
  const key = readFileSync(path);
  if (key.length !== 32) throw new Error(`${path} must hold exactly 32 bytes (a 256-bit key)`);
  const id = `local-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  return {
    id,
    keyring: new RawAesKeyringNode({
      keyName: id,
      keyNamespace: 'junction-local',
      unencryptedMasterKey: new Uint8Array(key),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    }),
  };
}
