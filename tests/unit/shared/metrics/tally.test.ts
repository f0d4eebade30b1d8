import type { DynamoDb } from '../../../../shared/platform/dynamodb';
import { createTally } from '../../../../shared/metrics/tally';
import { rawItemKey, shardOf } from '../../../../shared/metrics/keys';
import { captureOutput } from '../../../support/runtime';

/** A table stand-in that keeps the UpdateItem calls a flush sends. */
function recordingStore(fail = false) {
  const updates: Array<Record<string, any>> = [];
  const db = {
    update: async (input: Record<string, any>) => {
      if (fail) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      updates.push(input);
      return {};
    },
  } as unknown as DynamoDb;
  return { updates, store: () => ({ db, table: 'metrics' }) };
}

const at = Date.parse('2026-12-07T10:15:30Z');
const minute = Math.floor(at / 60_000) * 60;

describe('a flush', () => {
  it('writes one ADD per tenant, family, dimension values and minute, however many counts went into it', async () => {
    const { updates, store } = recordingStore();
    const tally = createTally({ store, now: () => at, emf: false });
    for (let i = 0; i < 10; i++) tally.count('ten_a', 'webhook', { endpoint: 'we_1' }, { deliveries: 1, attempts: 1 }, 40);
    tally.count('ten_a', 'webhook', { endpoint: 'we_2' }, { attempts: 1, failures: 1 }, 3000);
    tally.count('ten_b', 'sync', { integration: 'github', connection: 'conn_1' }, { records: 100, pages: 1 });

    await tally.flush();

    expect(updates).toHaveLength(3);
    const we1 = updates.find((u) => u.Key.sk === rawItemKey('ten_a', 'webhook', { endpoint: 'we_1' }, minute))!;
    expect(we1.Key.pk).toBe(`RAW#${shardOf('ten_a')}`);
    expect(we1.UpdateExpression).toMatch(/^ADD /);
    const added = Object.fromEntries(
      Object.entries(we1.ExpressionAttributeNames as Record<string, string>)
        .filter(([alias]) => alias.startsWith('#c'))
        .map(([alias, name]) => [name, we1.ExpressionAttributeValues[`:c${alias.slice(2)}`]]),
    );
    expect(added).toEqual({ deliveries: 10, attempts: 10 });
    // 40 ms falls in the (20, 50] bucket, h5.
    expect(we1.ExpressionAttributeValues[':h5']).toBe(10);
    expect(we1.ExpressionAttributeValues[':tenant']).toBe('ten_a');
  });

  it('keeps each item small: counters and histogram buckets only, under 1 KB', async () => {
    const { updates, store } = recordingStore();
    const tally = createTally({ store, now: () => at, emf: false });
    for (let ms = 1; ms < 100_000; ms *= 1.5) tally.count('ten_a', 'api', { route: 'GET /v1/connections/{id}/inbound-events/{eventId}/payload' }, { requests: 1 }, ms);
    await tally.flush();
    expect(updates).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(updates[0]))).toBeLessThan(1024);
  });

  it('empties the tally: a second flush writes nothing new', async () => {
    const { updates, store } = recordingStore();
    const tally = createTally({ store, now: () => at, emf: false });
    tally.count('ten_a', 'upload', {}, { bytes: 5000, completed: 1 });
    await tally.flush();
    await tally.flush();
    expect(updates).toHaveLength(1);
  });

  it('drops dimensions the family does not keep', async () => {
    const { updates, store } = recordingStore();
    const tally = createTally({ store, now: () => at, emf: false });
    tally.count('ten_a', 'api', { route: 'GET /v1/events', connection: 'conn_1' } as never, { requests: 1 });
    await tally.flush();
    expect(updates[0]!.ExpressionAttributeValues[':dims']).toEqual({ route: 'GET /v1/events' });
  });

  it('writes one error group per tenant and group, with the count and a sanitized sample', async () => {
    const { updates, store } = recordingStore();
    const tally = createTally({ store, now: () => at, emf: false });
    tally.fail('ten_a', { kind: 'sync.provider_error', integration: 'github', connection: 'conn_1' }, 'GET https://api.github.com/x?access_token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 failed');
    tally.fail('ten_a', { kind: 'sync.provider_error', integration: 'github', connection: 'conn_1' }, 'Authorization: Bearer abc.def.ghi refused');
    await tally.flush();
    expect(updates).toHaveLength(1);
    const values = updates[0]!.ExpressionAttributeValues;
    expect(values[':count']).toBe(2);
    expect(values[':sample']).not.toContain('abc.def.ghi');
    expect(updates[0]!.Key.pk).toBe('ERR#ten_a');
    expect(values[':expires']).toBe(Math.floor(at / 1000) + 30 * 86_400);
  });

  it('logs a failed write and does not throw', async () => {
    const { store } = recordingStore(true);
    const tally = createTally({ store, now: () => at, emf: false });
    tally.count('ten_a', 'upload', {}, { bytes: 1 });
    const { output } = await captureOutput(() => tally.flush());
    expect(output).toContain('some metrics were not written');
  });

  it('logs and does not throw when the function has no metrics table', async () => {
    const tally = createTally({ store: () => { throw new Error('metrics table cannot start: METRICS_TABLE_NAME is not set'); }, now: () => at, emf: false });
    tally.count('ten_a', 'upload', {}, { bytes: 1 });
    await expect(tally.flush()).resolves.toBeUndefined();
  });
});
