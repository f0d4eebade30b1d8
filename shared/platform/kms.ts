import { awsService, callJson, type AwsService, type AwsServiceOptions } from './aws-request';

/**
 * The KMS operations Junction calls, over KMS's JSON 1.1 protocol (`TrentService.*`).
 * The shapes are the API reference's (and the SDK client's), binary fields as bytes, so
 * the Encryption SDK's KMS keyring takes this client as it would take the SDK's.
 */
export interface GenerateDataKeyInput {
  KeyId: string;
  NumberOfBytes?: number;
  EncryptionContext?: Record<string, string>;
  GrantTokens?: string[];
}
export interface EncryptInput {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext?: Record<string, string>;
  GrantTokens?: string[];
}
export interface DecryptInput {
  KeyId?: string;
  CiphertextBlob: Uint8Array;
  EncryptionContext?: Record<string, string>;
  GrantTokens?: string[];
}

export interface Kms {
  generateDataKey(input: GenerateDataKeyInput): Promise<{ KeyId: string; Plaintext: Uint8Array; CiphertextBlob: Uint8Array }>;
  encrypt(input: EncryptInput): Promise<{ KeyId: string; CiphertextBlob: Uint8Array }>;
  decrypt(input: DecryptInput): Promise<{ KeyId: string; Plaintext: Uint8Array }>;
  describeKey(input: { KeyId: string }): Promise<{ KeyMetadata?: { KeyId?: string; KeyState?: string } }>;
}

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
/** Decodes into bytes of their own and wipes the decoding buffer (it may be a slice of Node's shared pool). */
function fromBase64(text: unknown): Uint8Array {
  const decoded = Buffer.from(String(text ?? ''), 'base64');
  const bytes = new Uint8Array(decoded);
  decoded.fill(0);
  return bytes;
}

export function createKms(options: AwsServiceOptions = {}): Kms {
  let service: AwsService | undefined;
  const call = <T>(operation: string, input: unknown) =>
    callJson<T>((service ??= awsService('kms', options)), `TrentService.${operation}`, input, '1.1');
  type Wire = { KeyId: string; Plaintext?: string; CiphertextBlob?: string };
  return {
    async generateDataKey(input) {
      const out = await call<Wire>('GenerateDataKey', input);
      return { KeyId: out.KeyId, Plaintext: fromBase64(out.Plaintext), CiphertextBlob: fromBase64(out.CiphertextBlob) };
    },
    async encrypt(input) {
      const out = await call<Wire>('Encrypt', { ...input, Plaintext: toBase64(input.Plaintext) });
      return { KeyId: out.KeyId, CiphertextBlob: fromBase64(out.CiphertextBlob) };
    },
    async decrypt(input) {
      const out = await call<Wire>('Decrypt', { ...input, CiphertextBlob: toBase64(input.CiphertextBlob) });
      return { KeyId: out.KeyId, Plaintext: fromBase64(out.Plaintext) };
    },
    describeKey: (input) => call('DescribeKey', input),
  };
}
