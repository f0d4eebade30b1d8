import { createKms } from '../../../shared/platform/kms';
import { keyringFromEnv } from '../../../shared/vault/keyring';
import { createVault } from '../../../shared/vault/vault';
import { startKmsServer } from '../../fakes/kms-server';

const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const context = { tenantId: 'ten_a', connectionId: 'conn_1', purpose: 'credentials' };
const credentials = () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });

let server: Awaited<ReturnType<typeof startKmsServer>>;
beforeAll(async () => {
  server = await startKmsServer([keyArn]);
});
afterAll(() => server.stop());

const kms = () => createKms({ endpoint: server.endpoint, region: 'us-east-1', credentials });

describe("Junction's KMS client", () => {
  it('seals and opens credentials through the KMS keyring, over the KMS wire format', async () => {
    const vault = createVault(keyringFromEnv({ env: { KEY_ARN: keyArn }, kms: kms() }));
    const sealed = await vault.seal({ apiKey: 'sk_live_x' }, context);
    await expect(vault.open(sealed, context)).resolves.toEqual({ apiKey: 'sk_live_x' });
    expect(server.targets).toEqual(expect.arrayContaining(['TrentService.GenerateDataKey', 'TrentService.Decrypt']));
  });

  it('round-trips binary data keys byte for byte', async () => {
    const client = kms();
    const key = await client.generateDataKey({ KeyId: keyArn, NumberOfBytes: 32, EncryptionContext: { a: 'b' } });
    expect(key.Plaintext).toHaveLength(32);
    const opened = await client.decrypt({ KeyId: keyArn, CiphertextBlob: key.CiphertextBlob, EncryptionContext: { a: 'b' } });
    expect(Buffer.from(opened.Plaintext).equals(Buffer.from(key.Plaintext))).toBe(true);
  });

  it('reports what KMS refused by its error code', async () => {
    await expect(kms().describeKey({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/none' })).rejects.toMatchObject({
      name: 'NotFoundException',
      status: 400,
    });
  });
});
