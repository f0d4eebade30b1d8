import type { DynamoDb } from '../../shared/platform/dynamodb';
import { localDynamoDb } from '../support/dynamodb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyringFromEnv } from '../../shared/vault/keyring';
import { rotateSealedItems, type RotationProgress } from '../../shared/vault/rotation';
import { createVault, type Sealed } from '../../shared/vault/vault';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
let store: { db: DynamoDb; table: string };
beforeAll(async () => {
  runtime = await startTestRuntime();
  store = {
    db: localDynamoDb(runtime.dynamodbEndpoint),
    table: runtime.env.MAIN_TABLE_NAME!,
  };
});
afterAll(() => runtime.stop());

function keyFile() {
  const path = join(mkdtempSync(join(tmpdir(), 'rotation-')), 'key');
  writeFileSync(path, randomBytes(32), { mode: 0o600 });
  return path;
}
const vaultOf = (current: string, previous: string[] = []) =>
  createVault(keyringFromEnv({ env: { LOCAL_KEYRING_PATH: current, LOCAL_PREVIOUS_KEYRING_PATHS: previous.join(',') } }));

it('moves every sealed item to the new key, resuming where an interrupted run stopped', async () => {
  const oldKey = keyFile();
  const newKey = keyFile();
  const before = vaultOf(oldKey);
  const items: Array<Sealed & { pk: string; sk: string }> = [];
  for (let i = 0; i < 60; i++) {
    const context = { tenantId: 'rot', connectionId: `conn_${i}`, purpose: 'credentials' };
    items.push({ pk: 'TENANT#rot', sk: `CREDENTIALS#conn_${i}`, ...(await before.seal({ apiKey: `secret-${i}` }, context)) });
  }
  await Promise.all(items.map((Item) => store.db.put({ TableName: store.table, Item })));

  const during = vaultOf(newKey, [oldKey]);
  const seen: RotationProgress[] = [];
  const interrupted = await rotateSealedItems(store, during, { pageSize: 10, stopAfterPages: 2, onProgress: (p) => seen.push(p) });
  expect(interrupted.done).toBe(false);
  expect(interrupted.moved).toBeGreaterThan(0);
  expect(interrupted.moved).toBeLessThan(60);

  // One credential is replaced through the API meanwhile: already on the new key.
  const replaced = await during.seal({ apiKey: 'replaced' }, { tenantId: 'rot', connectionId: 'conn_59', purpose: 'credentials' });
  await store.db.put({ TableName: store.table, Item: { pk: 'TENANT#rot', sk: 'CREDENTIALS#conn_59', ...replaced } });

  const finished = await rotateSealedItems(store, during, { pageSize: 10 });
  expect(finished.done).toBe(true);
  expect(finished.moved).toBe(59);
  expect(seen.length).toBeGreaterThanOrEqual(2);

  const after = vaultOf(newKey);
  const { Items = [] } = await store.db.query({ TableName: store.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'TENANT#rot' } });
  expect(Items).toHaveLength(60);
  for (const item of Items as Array<Sealed & { sk: string }>) {
    expect(item.keyId).toBe(after.currentKeyId);
    const opened = await after.open<{ apiKey: string }>(item, item.context);
    const i = Number(/conn_(\d+)/.exec(item.sk)![1]);
    expect(opened.apiKey).toBe(i === 59 ? 'replaced' : `secret-${i}`);
  }
});
