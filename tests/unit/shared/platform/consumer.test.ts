import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { queueConsumer } from '../../../../shared/platform/consumer';

const context = { getRemainingTimeInMillis: () => 60_000 } as Context;
const event = (...bodies: string[]): SQSEvent => ({ Records: bodies.map((body, i) => ({ body, messageId: `m${i}` })) }) as SQSEvent;
const Message = z.strictObject({ n: z.number().int() });

describe('a queue consumer', () => {

  it('answers as failed only the messages whose work threw, and drops those that can never parse', async () => {
    const seen: number[] = [];
    const handler = queueConsumer({
      what: 'test message',
      message: Message,
      handle: async ({ n }) => {
        if (n === 2) throw new Error('the table is throttling');
        seen.push(n);
      },
    });
    const response = await handler(event('{"n":1}', '{"n":2}', 'not json', '{"n":"three"}', '{"n":4,"extra":1}', '{"n":5}'), context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(seen.sort()).toEqual([1, 5]);
  });

  it('handles a batch one message after another when asked to keep their order', async () => {
    const order: string[] = [];
    const handler = queueConsumer({
      what: 'test message',
      message: Message,
      inOrder: true,
      handle: async ({ n }) => {
        order.push(`start ${n}`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`end ${n}`);
      },
    });
    await handler(event('{"n":1}', '{"n":2}'), context);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('hands each message the invocation context', async () => {
    let remaining = 0;
    const handler = queueConsumer({ what: 'test message', message: Message, handle: async (_message, given) => void (remaining = given.getRemainingTimeInMillis()) });
    await handler(event('{"n":1}'), context);
    expect(remaining).toBe(60_000);
  });
});
