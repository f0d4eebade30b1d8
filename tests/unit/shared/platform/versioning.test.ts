import { Invalid, PreconditionRequired } from '../../../../shared/platform/errors';
import { versionFromIfMatch } from '../../../../shared/platform/versioning';

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

  it('reads a weak ETag as a version no resource has, since If-Match compares strongly', () => {
    expect(read('W/"3"')()).toBe(0);
  });

  it.each([['*'], ['"2", "1"'], ['"1'], ['"01"'], ['"0"'], ['abc']])('refuses %s as not one ETag the API answered (400)', (value) => {
    expect(read(value)).toThrow(Invalid);
  });
});
