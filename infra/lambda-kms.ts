import { createKms, type Kms } from '../shared/platform/kms';

/**
 * Stands in for `@aws-sdk/client-kms` in function bundles (see bundling.ts). The
 * Encryption SDK's KMS keyring imports the SDK's `KMS` class for its default client;
 * Junction hands the keyring its own client (shared/platform/kms.ts), so in a bundle the
 * import resolves to that client too, instead of the SDK's (~100 KiB).
 */
export class KMS implements Pick<Kms, 'generateDataKey' | 'encrypt' | 'decrypt'> {
  private readonly kms: Kms;
  constructor(config: { region?: string } = {}) {
    this.kms = createKms(config.region ? { region: config.region } : {});
  }
  generateDataKey(input: Parameters<Kms['generateDataKey']>[0]) {
    return this.kms.generateDataKey(input);
  }
  encrypt(input: Parameters<Kms['encrypt']>[0]) {
    return this.kms.encrypt(input);
  }
  decrypt(input: Parameters<Kms['decrypt']>[0]) {
    return this.kms.decrypt(input);
  }
}
