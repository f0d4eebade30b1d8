import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from '../../infra/local/ports';
import { fixtureDeclaration } from '../fixtures/declaration';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
let sqs: SQSClient;
beforeAll(async () => {
  runtime = await startTestRuntime({ declaration: fixtureDeclaration });
  sqs = new SQSClient({ endpoint: runtime.env.AWS_ENDPOINT_URL_SQS, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  sqs.destroy();
  await runtime.stop();
});

/** What a fixture function logged under `field`, one JSON line each (its module state is in its own container). */
function logged<T>(source: string, field: string): T[] {
  return runtime.logs
    .filter((line) => line.source === source && line.stream === 'stdout')
    .flatMap((line) => line.text.split('\n').filter(Boolean))
    .map((text) => JSON.parse(text) as Record<string, T>)
    .flatMap((entry) => (field in entry ? [entry[field]!] : []));
}
const deliveries = () => logged<{ body: string; receiveCount: string; source: string }>('workConsumer', 'delivery');
const ticks = () => logged<Record<string, unknown>>('tick', 'tick');

describe('SQS consumers', () => {
  it('hands the consumer a real SQS event and deletes what it processed', async () => {
    const queueUrl = runtime.env.WORK_QUEUE_URL!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'ok-1' }));
    await waitFor(async () => expect(deliveries().map((d) => d.body)).toContain('ok-1'), { timeoutMs: 10_000, what: 'ok-1' });
    const delivered = deliveries().find((d) => d.body === 'ok-1')!;
    expect(delivered).toMatchObject({ receiveCount: '1', source: expect.stringMatching(/^arn:aws:sqs:.*-work$/) });
  });

  it('redelivers only the failed message of a batch, then moves it to the DLQ after maxReceiveCount', async () => {
    const queueUrl = runtime.env.WORK_QUEUE_URL!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'fail-1' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'ok-2' }));

    const dlqUrl = `${queueUrl}-dlq`;
    let dead: string[] = [];
    await waitFor(
      async () => {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
        dead = dead.concat(Messages.map((m) => m.Body!));
        expect(dead).toContain('fail-1');
      },
      { timeoutMs: 30_000, what: 'fail-1 in the DLQ' },
    );
    expect(deliveries().filter((d) => d.body === 'fail-1').map((d) => d.receiveCount)).toEqual(['1', '2']);
    expect(deliveries().filter((d) => d.body === 'ok-2')).toHaveLength(1);
    expect(dead).not.toContain('ok-2');
  });

  it('keeps every message of a batch whose partial batch response is invalid, so they are received again', async () => {
    const queueUrl = runtime.env.WORK_QUEUE_URL!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'invalid-1' }));

    await waitFor(
      async () => expect(deliveries().filter((d) => d.body === 'invalid-1').map((d) => d.receiveCount)).toEqual(['1', '2']),
      { timeoutMs: 20_000, what: 'invalid-1 received twice' },
    );
  });
});

describe('schedules', () => {
  it('fires a rate schedule with the event EventBridge sends, once per period', async () => {
    const now = Date.now();
    await runtime.scheduler.tick(now + 60_000);
    expect(ticks()).toHaveLength(0);
    await runtime.scheduler.tick(now + 5 * 60_000 + 1000);
    expect(ticks()).toHaveLength(1);
    expect(ticks()[0]).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    await runtime.scheduler.tick(now + 5 * 60_000 + 2000);
    expect(ticks()).toHaveLength(1);
  });
});
