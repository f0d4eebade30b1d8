import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import type { Tally } from '../../../../shared/metrics/tally';
import { flushedAfter } from '../../../../shared/metrics/tally';
import { queueConsumer } from '../../../../shared/platform/consumer';

/** The queue consumer and other function kinds write what their work counted once, at the end. */
function recordingTally() {
  const flushes: number[] = [];
  let held = 0;
  const tally: Tally = {
    count: () => void (held += 1),
    fail: () => {},
    flush: async () => {
      flushes.push(held);
      held = 0;
    },
  };
  return { tally, flushes };
}

const batch = (bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ body, messageId: `m${i}` })) }) as unknown as SQSEvent;

describe('counting in a queue batch', () => {
  it.each([false, true])('flushes once after the batch, failed messages included (inOrder: %s)', async (inOrder) => {
    const { tally, flushes } = recordingTally();
    const handler = queueConsumer({
      what: 'job',
      message: z.object({ n: z.number() }),
      inOrder,
      tally,
      async handle({ n }) {
        tally.count('ten_a', 'upload', {}, { bytes: n });
        if (n === 2) throw new Error('infrastructure');
      },
    });
    const outcome = await handler(batch(['{"n":1}', '{"n":2}', '{"n":3}']), {} as Context);
    expect(outcome.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(flushes).toEqual([3]);
  });
});

describe('flushedAfter', () => {
  it('flushes after the handler, also when it throws', async () => {
    const { tally, flushes } = recordingTally();
    const ok = flushedAfter(async () => tally.count('ten_a', 'upload', {}, { bytes: 1 }), tally);
    const failing = flushedAfter(async () => {
      tally.count('ten_a', 'upload', {}, { failed: 1 });
      throw new Error('boom');
    }, tally);
    await ok();
    await expect(failing()).rejects.toThrow('boom');
    expect(flushes).toEqual([1, 1]);
  });
});
