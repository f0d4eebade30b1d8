import { decodeCursor, encodeCursor } from '../../../../shared/platform/pagination';
import { Invalid } from '../../../../shared/platform/errors';

const list = { pk: 'TENANT#acme', prefix: 'CONN#' };
const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('list cursors', () => {
  it('gives back the key a page ended on', () => {
    const key = { pk: 'TENANT#acme', sk: 'CONN#01J0000000000000000000000' };
    expect(decodeCursor(encodeCursor(key)!, list)).toEqual(key);
  });

  it.each([
    ['another tenant’s partition', { pk: 'TENANT#other', sk: 'CONN#x' }],
    ['no sort key', { pk: 'TENANT#acme' }],
    ['a sort key outside the list', { pk: 'TENANT#acme', sk: 'APIKEY#x' }],
    ['a sort key that is not a string', { pk: 'TENANT#acme', sk: 7 }],
    ['attributes beyond the key', { pk: 'TENANT#acme', sk: 'CONN#x', gsi1pk: 'x' }],
    ['an array', ['TENANT#acme', 'CONN#x']],
    ['null', null],
  ])('refuses a cursor holding %s', (_what, key) => {
    expect(() => decodeCursor(cursorOf(key), list)).toThrow(Invalid);
  });

  it('refuses a cursor that is not base64url JSON', () => {
    expect(() => decodeCursor('not a cursor', list)).toThrow('the cursor is not one this list returned');
  });
});
