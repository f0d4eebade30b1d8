import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyringFromEnv } from '../../../../shared/vault/keyring';
import { createVault } from '../../../../shared/vault/vault';
import { fakeKms } from '../../../fakes/kms';

const context = { tenantId: 'ten_a', connectionId: 'conn_1', purpose: 'credentials' };
const secret = { apiKey: 'sk_test_PLANTED_SECRET_4242' };

function keyFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'vault-')), 'key');
  writeFileSync(path, randomBytes(32), { mode: 0o600 });
  return path;
}

const localVault = (current: string, previous: string[] = []) =>
  createVault(
    keyringFromEnv({ env: { LOCAL_KEYRING_PATH: current, LOCAL_PREVIOUS_KEYRING_PATHS: previous.join(',') } }),
  );

describe('the credential vault (local keyring)', () => {
  it('opens what it sealed, and the ciphertext does not contain the secret', async () => {
    const vault = localVault(keyFile());
    const sealed = await vault.seal(secret, context);
    expect(Buffer.from(sealed.ciphertext, 'base64').toString('latin1')).not.toContain('PLANTED_SECRET');
    expect(sealed.keyId).toBe(vault.currentKeyId);
    await expect(vault.open(sealed, context)).resolves.toEqual(secret);
  });

  it.each([
    ['another connection', { ...context, connectionId: 'conn_2' }],
    ['another tenant', { ...context, tenantId: 'ten_b' }],
    ['another purpose', { ...context, purpose: 'oauth-client' }],
  ])('refuses to open a ciphertext under %s', async (_what, other) => {
    const vault = localVault(keyFile());
    const sealed = await vault.seal(secret, context);
    await expect(vault.open(sealed, other)).rejects.toThrow(/belongs to another/);
  });

  it('refuses a tampered ciphertext', async () => {
    const vault = localVault(keyFile());
    const sealed = await vault.seal(secret, context);
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[bytes.length - 40]! ^= 1;
    await expect(vault.open({ ...sealed, ciphertext: bytes.toString('base64') }, context)).rejects.toThrow();
  });

  it('refuses a ciphertext from a key it does not hold', async () => {
    const sealed = await localVault(keyFile()).seal(secret, context);
    await expect(localVault(keyFile()).open(sealed, context)).rejects.toThrow();
  });

  it('still opens data sealed under a previous key after rotation', async () => {
    const old = keyFile();
    const sealed = await localVault(old).seal(secret, context);
    const rotated = localVault(keyFile(), [old]);
    expect(rotated.currentKeyId).not.toBe(sealed.keyId);
    await expect(rotated.open(sealed, context)).resolves.toEqual(secret);
  });
});

describe('the credential vault (KMS keyring)', () => {
  const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('calls KMS once for 1,000 reads of the same credentials', async () => {
    const { kms, calls } = fakeKms([arn]);
    const vault = createVault(keyringFromEnv({ kms, env: { KEY_ARN: arn } }));
    const sealed = await vault.seal(secret, context);
    for (let i = 0; i < 1000; i++) await vault.open(sealed, context);
    expect(calls.decrypt).toBe(1);
  });

  it('refuses a connection-bound ciphertext under another connection with KMS too', async () => {
    const { kms } = fakeKms([arn]);
    const vault = createVault(keyringFromEnv({ kms, env: { KEY_ARN: arn } }));
    const sealed = await vault.seal(secret, context);
    await expect(vault.open(sealed, { ...context, connectionId: 'conn_9' })).rejects.toThrow();
  });

  it('names the missing setting when neither key is configured', () => {
    expect(() => keyringFromEnv({ env: {} })).toThrow(/set exactly one of KEY_ARN \(AWS\) and LOCAL_KEYRING_PATH/);
  });
});
