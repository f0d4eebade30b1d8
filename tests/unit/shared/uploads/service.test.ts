import { contentTypeAllowed, planOf, planProblems, plannedSize } from '../../../../shared/uploads/service';
import { s3Limits } from '../../../../shared/uploads/schema';

const MiB = 1024 * 1024;
const part = (number: number, size: number) => ({ number, size, etag: '"e"', sha256: null, recordedAt: '2026-01-01T00:00:00.000Z' });

describe('the plan of parts', () => {
  it.each([
    [0, 5 * MiB, 0],
    [1, 5 * MiB, 1],
    [5 * MiB, 5 * MiB, 1],
    [5 * MiB + 1, 5 * MiB, 2],
    // 100 GiB / 10,000 is 10.24 MiB: rounded up to 11 MiB.
    [100 * 1024 * MiB, 11 * MiB, 9310],
  ])('splits %d bytes into parts of %d bytes, %d of them', (size, partSize, partCount) => {
    expect(planOf(size)).toEqual({ partSize, partCount });
  });

  it('keeps S3\'s largest object within 10,000 parts of whole MiB under 5 GiB', () => {
    const plan = planOf(s3Limits.maxObjectBytes);
    expect(plan.partCount).toBeLessThanOrEqual(s3Limits.maxParts);
    expect(plan.partSize % MiB).toBe(0);
    expect(plan.partSize).toBeLessThanOrEqual(s3Limits.maxPartBytes);
  });

  it('gives the last part what is left', () => {
    const session = { size: 12 * MiB + 1, ...planOf(12 * MiB + 1) };
    expect([1, 2, 3].map((n) => plannedSize(session, n))).toEqual([5 * MiB, 5 * MiB, 2 * MiB + 1]);
  });
});

describe('what keeps parts from completing', () => {
  const session = { size: 5 * MiB + 10, partSize: 5 * MiB, partCount: 2, partChecksums: false };

  it('is nothing when every planned part is there at its size', () => {
    expect(planProblems(session, [part(1, 5 * MiB), part(2, 10)])).toBeUndefined();
  });

  it('names missing parts, parts outside the plan and parts of the wrong size', () => {
    expect(planProblems(session, [part(2, 11), part(3, 10)])).toBe('missing parts 1; parts outside the plan of 2 3; parts of the wrong size 2 (11 bytes, planned 10)');
  });

  it('names parts without their sha256 when the upload takes part checksums', () => {
    expect(planProblems({ ...session, partChecksums: true }, [part(1, 5 * MiB), part(2, 10)])).toBe('parts without their sha256 1, 2');
  });

  it('names at most 20 of many missing parts', () => {
    const many = { size: 100 * 5 * MiB, partSize: 5 * MiB, partCount: 100, partChecksums: false };
    expect(planProblems(many, [])).toBe(`missing parts ${Array.from({ length: 20 }, (_, i) => i + 1).join(', ')} and 80 more`);
  });
});

describe('the content-type allow-list', () => {
  it.each([
    ['image/png', ['image/*'], true],
    ['image/png', ['image/png'], true],
    ['image/png', ['*/*'], true],
    ['image/pngx', ['image/png'], false],
    ['text/html', ['image/*', 'application/pdf'], false],
    ['imagex/png', ['image/*'], false],
  ])('%s against %j is %s', (type, allowed, expected) => {
    expect(contentTypeAllowed(type, allowed)).toBe(expected);
  });
});
