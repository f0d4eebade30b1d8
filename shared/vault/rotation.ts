import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '../platform/dynamodb';
import type { TableStore } from '../platform/items';
import type { Sealed, Vault } from './vault';

/**
 * Moves every sealed item (anything stored with `ciphertext` and `keyId`) onto the vault's
 * current key. The vault must still be able to open the old ciphertexts (the previous key
 * in its keyring).
 *
 * Resumable: after each page the scan position is saved in a checkpoint item, and a rerun
 * for the same target key continues from there. Items already on the current key are
 * skipped, and each re-seal is conditional on the ciphertext being unchanged, so a
 * credential replaced meanwhile through the API is left as the API wrote it.
 */
export interface RotationProgress {
  scanned: number;
  moved: number;
  /** Changed by someone else while we worked; already on a fresh seal. */
  skipped: number;
  done: boolean;
}

type Store = TableStore;

const checkpointKey = (keyId: string) => ({ pk: 'ROTATION', sk: keyId });

export async function rotateSealedItems(
  store: Store,
  vault: Vault,
  options: { pageSize?: number; onProgress?: (progress: RotationProgress) => void; stopAfterPages?: number } = {},
): Promise<RotationProgress> {
  const key = checkpointKey(vault.currentKeyId);
  const { Item: saved } = await store.db.get({ TableName: store.table, Key: key, ConsistentRead: true });
  const progress: RotationProgress = {
    scanned: Number(saved?.scanned ?? 0),
    moved: Number(saved?.moved ?? 0),
    skipped: Number(saved?.skipped ?? 0),
    done: false,
  };
  let pages = 0;
  // Marks the rotation as under way from the start, so an interrupted run is resumed, not restarted.
  if (!saved) await store.db.put({ TableName: store.table, Item: { ...key, ...counts(progress) } });
  const savedPosition = saved?.position as Record<string, unknown> | undefined;
  const scan = paginateScan(
    { client: store.db, pageSize: options.pageSize ?? 100, ...(savedPosition ? { startingToken: savedPosition } : {}) },
    {
      TableName: store.table,
      FilterExpression: 'attribute_exists(ciphertext) AND keyId <> :current',
      ExpressionAttributeValues: { ':current': vault.currentKeyId },
      ConsistentRead: true,
    },
  );
  for await (const page of scan) {
    progress.scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) {
      const sealed = item as Sealed & { pk: string; sk: string };
      const fresh = await vault.seal(await vault.open(sealed, sealed.context), sealed.context);
      try {
        await store.db.update({
          TableName: store.table,
          Key: { pk: sealed.pk, sk: sealed.sk },
          UpdateExpression: 'SET ciphertext = :new, keyId = :key',
          ConditionExpression: 'ciphertext = :old',
          ExpressionAttributeValues: { ':new': fresh.ciphertext, ':key': fresh.keyId, ':old': sealed.ciphertext },
        });
        progress.moved += 1;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        progress.skipped += 1;
      }
    }
    const position = page.LastEvaluatedKey;
    pages += 1;
    if (position) {
      await store.db.put({ TableName: store.table, Item: { ...key, position, ...counts(progress) } });
    }
    options.onProgress?.({ ...progress });
    if (options.stopAfterPages !== undefined && pages >= options.stopAfterPages && position) return progress;
  }
  await store.db.delete({ TableName: store.table, Key: key });
  progress.done = true;
  options.onProgress?.({ ...progress });
  return progress;
}

const counts = ({ scanned, moved, skipped }: RotationProgress) => ({ scanned, moved, skipped });

/** The key of a rotation that was started and has not finished, if any. */
export async function pendingRotation(store: Store): Promise<string | undefined> {
  const { Items = [] } = await store.db.query({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ROTATION' },
      ConsistentRead: true,
      Limit: 1,
    });
  return Items[0]?.sk as string | undefined;
}
