import { nextFireTime, parseSchedule } from '../../../../infra/local/schedule-expression';

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

  // EventBridge documents no wrap-around ranges, so these are refused instead of never firing.
  it.each([
    ['cron(0 18 ? * FRI-MON *)', 'day-of-week "FRI-MON" wraps around', 'use a list: FRI,SAT,SUN,MON'],
    ['cron(0 22 ? * 6-2 *)', 'day-of-week "6-2" wraps around', 'use a list: FRI,SAT,SUN,MON'],
    ['cron(0 0 28-3 * ? *)', 'day-of-month "28-3" wraps around', 'use a list: 28,29,30,31,1,2,3'],
    ['cron(0 22-2/2 * * ? *)', 'hours "22-2/2" wraps around', 'use a list: 22,0,2'],
    ['cron(0 0 1 1 ? 2030-2020)', 'year "2030-2020" runs backwards', ''],
  ])('rejects the wrap-around range in %s and names the list to use', (expression, problem, advice) => {
    expect(() => parseSchedule(expression)).toThrow(`${expression}: ${problem}`);
    expect(() => parseSchedule(expression)).toThrow(advice);
  });

  it.each([
    ['cron(? 3 * * ? *)', 'minutes cannot be "?"'],
    ['cron(0 ? * * ? *)', 'hours cannot be "?"'],
    ['cron(0 3 * ? ? *)', 'month cannot be "?"'],
    ['cron(0 3 * * ? ?)', 'year cannot be "?"'],
    ['cron(,5 3 * * ? *)', 'minutes ",5" has an empty list element'],
    ['cron(0 3,8, * * ? *)', 'hours "3,8," has an empty list element'],
    ['cron(0x1e 3 * * ? *)', 'minutes "0x1e" is not a decimal number'],
    ['cron(0 1e1 * * ? *)', 'hours "1e1" is not a decimal number'],
    ['cron(0 3 5- * ? *)', 'day-of-month "5-" is not a value, a range or a step'],
    ['cron(1-2-3 3 * * ? *)', 'minutes "1-2-3" is not a value, a range or a step'],
    ['cron(0/5/10 3 * * ? *)', 'minutes "0/5/10" is not a value, a range or a step'],
    ['cron(*/0 * * * ? *)', 'minutes "*/0" needs a step from 1 to 59'],
    ['cron(*/60 * * * ? *)', 'minutes "*/60" needs a step from 1 to 59'],
    ['cron(*/0x5 * * * ? *)', 'minutes "0x5" is not a decimal number'],
  ])('rejects the malformed field in %s, naming the field', (expression, problem) => {
    expect(() => parseSchedule(expression)).toThrow(`${expression}: ${problem}`);
  });

  it.each([
    ['cron(60 3 * * ? *)', 'minutes "60" is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'hours "24" is out of range 0-23'],
    ['cron(0 3 0 * ? *)', 'day-of-month "0" is out of range 1-31'],
    ['cron(0 3 32 * ? *)', 'day-of-month "32" is out of range 1-31'],
    ['cron(0 3 1 13 ? *)', 'month "13" is out of range 1-12'],
    ['cron(0 3 ? * 8 *)', 'day-of-week "8" is out of range 1-7'],
    ['cron(0 3 1 1 ? 1969)', 'year "1969" is out of range 1970-2199'],
    ['cron(0 3 1 1 ? 2200)', 'year "2200" is out of range 1970-2199'],
  ])('rejects the out-of-range value in %s, naming the field', (expression, problem) => {
    expect(() => parseSchedule(expression)).toThrow(`${expression}: ${problem}`);
  });
});
