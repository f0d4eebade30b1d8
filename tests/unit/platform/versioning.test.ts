import { Invalid, PreconditionFailed, PreconditionRequired } from '../../../shared/platform/errors';
import { versionFromIfMatch } from '../../../shared/platform/versioning';

const read = (value: string | undefined) => () => versionFromIfMatch({ 'if-match': value });

describe('If-Match', () => {
  it.each([
    ['"3"', 3],
    [' "12" ', 12],
    ['7', 7],
  ])('reads the version in %s', (value, version) => {
    expect(read(value)()).toBe(version);
  });

  it.each([[undefined], [''], ['  ']])('asks for the header when it is %j (428)', (value) => {
    expect(read(value)).toThrow(PreconditionRequired);
  });

  it('never matches a weak ETag, since If-Match compares strongly (412)', () => {
    expect(read('W/"3"')).toThrow(PreconditionFailed);
  });

  it.each([['*'], ['"2", "1"'], ['"1'], ['"01"'], ['"0"'], ['abc']])('refuses %s as not one ETag the API answered (400)', (value) => {
    expect(read(value)).toThrow(Invalid);
  });
});
