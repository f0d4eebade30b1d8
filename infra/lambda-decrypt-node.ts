/**
 * Stands in for `@aws-crypto/decrypt-node` in function bundles (see bundling.ts).
 *
 * The package's client module ends with a stray call, `decryptUnsignedMessageStream({})`
 * (a type check left in its build), that assembles a whole decrypt pipeline, four streams
 * and a duplexer, each time the module loads: ~3.5 ms of every cold start of a function
 * that touches the vault, measured here, for a pipeline nothing reads. Bundles take the
 * package's own decrypt functions from their modules and bind them here the way its
 * `buildDecrypt` does, without that call.
 */
import {
  CommitmentPolicy,
  needs,
  SignaturePolicy,
  type ClientOptions,
} from '@aws-crypto/material-management-node';
import { _decrypt } from '../node_modules/@aws-crypto/decrypt-node/build/module/src/decrypt.js';
import { _decryptStream } from '../node_modules/@aws-crypto/decrypt-node/build/module/src/decrypt_stream.js';

export function buildDecrypt(options: CommitmentPolicy | Partial<ClientOptions> = {}) {
  const { commitmentPolicy = CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys = false } =
    typeof options === 'string' ? { commitmentPolicy: options } : options;
  needs(CommitmentPolicy[commitmentPolicy], 'Invalid commitment policy.');
  needs(maxEncryptedDataKeys === false || maxEncryptedDataKeys >= 1, 'Invalid maxEncryptedDataKeys value.');
  const clientOptions: ClientOptions = { commitmentPolicy, maxEncryptedDataKeys };
  const allowingSignatures = { signaturePolicy: SignaturePolicy.ALLOW_ENCRYPT_ALLOW_DECRYPT, clientOptions };
  return {
    decryptUnsignedMessageStream: _decryptStream.bind({}, { signaturePolicy: SignaturePolicy.ALLOW_ENCRYPT_FORBID_DECRYPT, clientOptions }),
    decryptStream: _decryptStream.bind({}, allowingSignatures),
    decrypt: _decrypt.bind({}, allowingSignatures),
  };
}
