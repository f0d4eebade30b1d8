import { readBatchResponse } from '../../../../infra/local/pollers';

const batch = ['m-1', 'm-2'];

describe('partial batch responses', () => {
  it('reports exactly the listed messages of a valid response as failed', () => {
    expect(readBatchResponse({ batchItemFailures: [{ itemIdentifier: 'm-2' }] }, batch)).toEqual({ failed: new Set(['m-2']) });
  });

  it.each([undefined, null, {}, { batchItemFailures: null }, { batchItemFailures: [] }])(
    'treats %p as a batch that fully succeeded, as Lambda does',
    (response) => {
      expect(readBatchResponse(response, batch)).toEqual({ failed: new Set() });
    },
  );

  it.each([
    ['an entry keyed messageId', { batchItemFailures: [{ messageId: 'm-1' }] }, 'batchItemFailures[0] has no itemIdentifier'],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }, 'batchItemFailures[0] has no itemIdentifier'],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, 'batchItemFailures[0] has no itemIdentifier'],
    ['a null entry', { batchItemFailures: [null] }, 'batchItemFailures[0] has no itemIdentifier'],
    ['an unknown message id', { batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-9' }] }, 'batchItemFailures[1].itemIdentifier m-9 is not a message of this batch'],
    ['batchItemFailures that is not a list', { batchItemFailures: { itemIdentifier: 'm-1' } }, 'batchItemFailures is not a list'],
    ['a string', 'ok', 'the response is not an object'],
    ['a list', [{ itemIdentifier: 'm-1' }], 'the response is not an object'],
  ])('rejects a response with %s, so the whole batch stays', (_, response, reason) => {
    expect(readBatchResponse(response, batch)).toEqual({ invalid: reason });
  });
});
