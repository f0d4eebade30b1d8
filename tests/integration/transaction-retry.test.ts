import { startAnswerDroppingProxy } from '../fakes/answer-dropping-proxy';
import { stripeKey } from '../support/good-bodies';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * A transaction whose first attempt commits but whose answer is lost on the way back.
 * The client retries; the retry must be recognised as the same transaction (the SDK's
 * ClientRequestToken), not judged anew, where its own conditions would fail against what
 * the first attempt wrote and the API would answer 409 for a write that happened.
 */
let proxy: Awaited<ReturnType<typeof startAnswerDroppingProxy>>;
let runtime: TestRuntime;
beforeAll(async () => {
  proxy = await startAnswerDroppingProxy(process.env.TEST_DYNAMODB_ENDPOINT!);
  runtime = await startTestRuntime({ dynamodbEndpoint: proxy.endpoint });
});
afterAll(async () => {
  await runtime.stop();
  await proxy.stop();
});

const transactions = () => proxy.seen.filter((request) => request.target === 'TransactWriteItems');
const tokenOf = (body: string) => (JSON.parse(body) as { ClientRequestToken?: string }).ClientRequestToken;

it('answers 201 once for a create whose committed transaction lost its answer, and stores one connection', async () => {
  const before = transactions().length;
  proxy.dropNextAnswerTo('TransactWriteItems');

  const response = await runtime.call('/v1/connections', {
    method: 'POST',
    json: { integration: 'stripe', name: 'Retried payments', credentials: { apiKey: stripeKey() } },
  });

  expect(response.status).toBe(201);
  const created = (await response.json()) as { id: string };
  const attempts = transactions().slice(before);
  expect(attempts.map((attempt) => attempt.dropped)).toEqual([true, false]);
  const list = await (await runtime.call('/v1/connections?integration=stripe')).json();
  expect(list.data.filter((c: { name: string }) => c.name === 'Retried payments').map((c: { id: string }) => c.id)).toEqual([created.id]);
});

it('sends every attempt of one transaction with the same ClientRequestToken, and each transaction its own', async () => {
  const before = transactions().length;
  proxy.dropNextAnswerTo('TransactWriteItems');

  await runtime.call('/v1/connections', {
    method: 'POST',
    json: { integration: 'stripe', name: 'Token check', credentials: { apiKey: stripeKey() } },
  });
  await runtime.call('/v1/connections', {
    method: 'POST',
    json: { integration: 'stripe', name: 'Another one', credentials: { apiKey: stripeKey() } },
  });

  const [first, retry, next] = transactions().slice(before).map((attempt) => tokenOf(attempt.body));
  expect(first).toMatch(/^[0-9a-f-]{36}$/);
  expect(retry).toBe(first);
  expect(next).toMatch(/^[0-9a-f-]{36}$/);
  expect(next).not.toBe(first);
});
