import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { freePort } from '../../infra/local/ports';

/** `sendMessages` against fauxqs, whose queue here refuses a message over 1 KiB, as SQS does one over the queue's MaximumMessageSize. */
let fauxqs: FauxqsServer;
let client: SQSClient;
let sendMessages: typeof import('../../shared/platform/queue').sendMessages;
let queueUrl: string;

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: await freePort(), host: '127.0.0.1', logger: false, defaultRegion: 'us-east-1' });
  const endpoint = `http://127.0.0.1:${fauxqs.port}`;
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_SQS: endpoint });
  ({ sendMessages } = await import('../../shared/platform/queue'));
  client = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  fauxqs.createQueue('sent', { region: 'us-east-1', attributes: { MaximumMessageSize: '1024' } });
  // By path on the emulator's address: fauxqs's own URL form (sqs.<region>.127.0.0.1) is no valid host.
  queueUrl = `${endpoint}/000000000000/sent`;
});
afterAll(async () => {
  client.destroy();
  (await import('../../shared/platform/aws')).sqs().destroy();
  await fauxqs.stop();
});

async function receiveAll(): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => JSON.parse(m.Body!)));
  }
}

describe('sending messages to a queue', () => {
  it('sends 25 messages (three requests of at most ten) and every one arrives once', async () => {
    const refused = await sendMessages(queueUrl, Array.from({ length: 25 }, (_, n) => ({ body: { n } })));
    expect(refused).toEqual([]);
    const arrived = (await receiveAll()) as Array<{ n: number }>;
    expect(arrived.map((body) => body.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, n) => n));
  });

  it('answers the positions SQS refused, across requests, and sends the rest', async () => {
    const tooLarge = { big: 'x'.repeat(2_000) };
    const messages = Array.from({ length: 12 }, (_, n) => ({ body: n === 3 || n === 11 ? tooLarge : { n } }));
    expect(await sendMessages(queueUrl, messages)).toEqual([3, 11]);
    expect(((await receiveAll()) as Array<{ n: number }>).map((b) => b.n).sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('holds a delayed message back for its delay', async () => {
    await sendMessages(queueUrl, [{ body: { late: true }, delaySeconds: 2 }]);
    expect(await receiveAll()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    expect(await receiveAll()).toEqual([{ late: true }]);
  });
});
