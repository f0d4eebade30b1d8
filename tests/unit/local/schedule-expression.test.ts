import { nextFireTime, parseSchedule } from '../../../infra/local/schedule-expression';

const at = (iso: string) => Date.parse(iso);
const next = (expression: string, after: string) => {
  const t = nextFireTime(parseSchedule(expression), at(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe('EventBridge schedule expressions', () => {
  it('fires rates at whole multiples of the interval since the start', () => {
    const schedule = parseSchedule('rate(5 minutes)');
    const start = at('2026-01-01T00:00:00Z');
    expect(nextFireTime(schedule, start, start)).toBe(start + 300_000);
    expect(nextFireTime(schedule, start + 301_000, start)).toBe(start + 600_000);
  });

  it('insists on the singular for 1 and the plural otherwise, as EventBridge does', () => {
    expect(() => parseSchedule('rate(1 minutes)')).toThrow('write "rate(1 minute)"');
    expect(() => parseSchedule('rate(5 minute)')).toThrow('write "rate(5 minutes)"');
    expect(() => parseSchedule('rate(0 minutes)')).toThrow('at least 1');
  });

  it('finds the next daily cron time in UTC', () => {
    expect(next('cron(0 3 * * ? *)', '2026-03-10T02:59:00Z')).toBe('2026-03-10T03:00:00.000Z');
    expect(next('cron(0 3 * * ? *)', '2026-03-10T03:00:00Z')).toBe('2026-03-11T03:00:00.000Z');
  });

  it('handles steps, ranges, lists and weekday names', () => {
    expect(next('cron(0/15 * * * ? *)', '2026-03-10T10:16:00Z')).toBe('2026-03-10T10:30:00.000Z');
    // 2026-03-13 is a Friday; the next MON-WED at 09:30 is Monday the 16th.
    expect(next('cron(30 9 ? * MON-WED *)', '2026-03-13T12:00:00Z')).toBe('2026-03-16T09:30:00.000Z');
    expect(next('cron(0 8,20 1 JAN,JUL ? *)', '2026-01-01T09:00:00Z')).toBe('2026-01-01T20:00:00.000Z');
  });

  it('honours the year field', () => {
    expect(next('cron(0 0 1 1 ? 2028)', '2026-05-01T00:00:00Z')).toBe('2028-01-01T00:00:00.000Z');
    expect(next('cron(0 0 1 1 ? 2020)', '2026-05-01T00:00:00Z')).toBeUndefined();
  });

  it.each([
    ['cron(0 3 * * * *)', 'exactly one of day-of-month and day-of-week'],
    ['cron(0 3 * *)', 'cron takes 6 fields'],
    ['cron(61 3 * * ? *)', '"61" is out of range'],
    ['cron(0 3 L * ? *)', 'not supported locally'],
    ['every 5 minutes', 'neither rate'],
  ])('rejects %s', (expression, message) => {
    expect(() => parseSchedule(expression)).toThrow(message);
  });
});
