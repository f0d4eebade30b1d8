import { jitterSeconds, nextDue, ScheduleEntry, SyncSchedule } from '../../../../shared/syncs/schedule';

const at = (iso: string) => new Date(iso);
const entry = (input: unknown) => ScheduleEntry.parse(input);

describe('when a schedule entry is next due', () => {
  it('keeps an interval on its cadence from the time it was last due', () => {
    const every15 = entry({ every: 15 });
    expect(nextDue(every15, at('2026-12-07T10:00:00Z'), at('2026-12-07T10:00:20Z')).toISOString()).toBe('2026-12-07T10:15:00.000Z');
  });

  it('fires once for the intervals a stopped scheduler missed, then goes on from the next one', () => {
    const every15 = entry({ every: 15 });
    expect(nextDue(every15, at('2026-12-07T10:00:00Z'), at('2026-12-07T11:07:00Z')).toISOString()).toBe('2026-12-07T11:15:00.000Z');
  });

  it('reads a cron expression in its time zone', () => {
    const weekdays9 = entry({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' });
    // Monday 7 December 2026, 20:00 UTC: next is Tuesday 09:00 in Berlin (UTC+1 in winter).
    expect(nextDue(weekdays9, at('2026-12-07T20:00:00Z'), at('2026-12-07T20:00:00Z')).toISOString()).toBe('2026-12-08T08:00:00.000Z');
  });

  it('reads a cron expression in UTC without a time zone, and takes nicknames', () => {
    expect(nextDue(entry({ cron: '30 */6 * * *' }), at('2026-12-07T06:30:00Z'), at('2026-12-07T06:30:05Z')).toISOString()).toBe('2026-12-07T12:30:00.000Z');
    expect(nextDue(entry({ cron: '@daily' }), at('2026-12-07T06:30:00Z'), at('2026-12-07T06:30:05Z')).toISOString()).toBe('2026-12-08T00:00:00.000Z');
  });
});

describe('a schedule entry as sent', () => {
  it.each([
    ['both every and cron', { every: 5, cron: '* * * * *' }, 'every'],
    ['neither every nor cron', { streams: ['customers'] }, 'every'],
    ['an interval under a minute', { every: 0 }, 'every'],
    ['an interval that is not whole minutes', { every: 1.5 }, 'every'],
    ['an interval over a week', { every: 10_081 }, 'every'],
    ['a cron expression with seconds', { cron: '*/10 * * * * *' }, 'cron'],
    ['a cron field out of range', { cron: '61 * * * *' }, 'cron'],
    ['words for a cron expression', { cron: 'every monday' }, 'cron'],
    ['an unknown time zone', { cron: '0 9 * * *', timezone: 'Mars/Olympus' }, 'timezone'],
    ['a time zone on an interval', { every: 60, timezone: 'UTC' }, 'timezone'],
    ['an unknown field', { every: 5, at: 'noon' }, ''],
  ])('is refused with %s, naming the field', (_what, input, field) => {
    const parsed = ScheduleEntry.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });

  it('is a list of at most ten entries, or null to stop scheduled runs', () => {
    expect(SyncSchedule.parse(null)).toBeNull();
    expect(SyncSchedule.safeParse([]).success).toBe(false);
    expect(SyncSchedule.safeParse(Array.from({ length: 11 }, () => ({ every: 60 }))).success).toBe(false);
    expect(SyncSchedule.parse([{ every: 60 }])).toEqual([{ every: 60, mode: 'incremental' }]);
  });
});

describe('the jitter of a due run', () => {
  it('stays within a tenth of the interval and a minute, and is the same for the same connection and entry', () => {
    const every1 = entry({ every: 1 });
    const hourly = entry({ every: 60 });
    const ids = Array.from({ length: 200 }, (_, i) => `conn_${i}`);
    expect(Math.max(...ids.map((id) => jitterSeconds(id, 0, every1)))).toBeLessThan(6);
    const spread = ids.map((id) => jitterSeconds(id, 0, hourly));
    expect(Math.max(...spread)).toBeLessThan(60);
    // Spread out, not bunched: at least 30 distinct seconds across 200 connections.
    expect(new Set(spread).size).toBeGreaterThan(30);
    expect(jitterSeconds('conn_7', 1, hourly)).toBe(jitterSeconds('conn_7', 1, hourly));
  });
});
