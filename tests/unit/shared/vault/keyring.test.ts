import { KMS } from '@aws-sdk/client-kms';
import { keyringFromEnv } from '../../../../shared/vault/keyring';
import { createVault } from '../../../../shared/vault/vault';
import { startKmsServer } from '../../../fakes/kms-server';

const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const context = { tenantId: 'ten_a', connectionId: 'conn_1', purpose: 'credentials' };

let server: Awaited<ReturnType<typeof startKmsServer>>;
let kms: KMS;
beforeAll(async () => {
  server = await startKmsServer([keyArn]);
  kms = new KMS({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
});
afterAll(async () => {
  kms.destroy();
  await server.stop();
});

describe('the KMS keyring with the AWS SDK client', () => {
  it("seals and opens credentials through the Encryption SDK's KMS keyring, over KMS's wire format", async () => {
    const vault = createVault(keyringFromEnv({ env: { KEY_ARN: keyArn }, kms }));
    const sealed = await vault.seal({ apiKey: 'sk_live_x' }, context);
    await expect(vault.open(sealed, context)).resolves.toEqual({ apiKey: 'sk_live_x' });
    expect(server.targets).toEqual(expect.arrayContaining(['TrentService.GenerateDataKey', 'TrentService.Decrypt']));
  });

  it('refuses to open a secret under another encryption context', async () => {
    const vault = createVault(keyringFromEnv({ env: { KEY_ARN: keyArn }, kms }));
    const sealed = await vault.seal({ apiKey: 'sk_live_x' }, context);
    await expect(vault.open(sealed, { ...context, connectionId: 'conn_2' })).rejects.toThrow();
  });

  it('reports what KMS refused by its error code', async () => {
    await expect(kms.describeKey({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/none' })).rejects.toMatchObject({
      name: 'NotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
