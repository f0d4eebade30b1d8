import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import * as z from 'zod';
import { responseSchema } from '../platform/contract';
import { StreamChoice, syncModes } from './schema';

/**
 * A connection's sync schedule (`syncSchedule` on `PATCH /v1/connections/{id}`): entries,
 * each every N minutes or on a cron expression, for some streams or for all the
 * integration's param-free ones. The scheduler (scheduler.ts) starts their runs.
 */
export const maxScheduleEntries = 10;
/** A week: a longer interval is a cron expression's job. */
export const maxEveryMinutes = 10_080;

const cronNicknames = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

export const ScheduleEntry = z
  .strictObject({
    every: z.number().int().min(1).max(maxEveryMinutes).optional().describe('Minutes between runs (1 to 10,080)'),
    cron: z.string().max(120).optional().describe('Five fields (minute hour day-of-month month day-of-week), or @hourly, @daily, @weekly, @monthly, @yearly'),
    timezone: z.string().max(64).optional().describe('The IANA time zone the cron expression is read in (UTC when absent)'),
    streams: z.array(StreamChoice).min(1).max(50).optional().describe("The streams to sync; all of the integration's streams that need no params when absent"),
    mode: z.enum(syncModes).default('incremental'),
  })
  .superRefine((entry, ctx) => {
    if ((entry.every === undefined) === (entry.cron === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['every'], message: 'give every (minutes) or cron, not both and not neither' });
      return;
    }
    if (entry.timezone !== undefined && !isTimeZone(entry.timezone)) ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'not an IANA time zone (Europe/Berlin, America/New_York, UTC)' });
    if (entry.every !== undefined && entry.timezone !== undefined) ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'only a cron expression has a time zone' });
    if (entry.cron !== undefined) {
      const problem = cronProblem(entry.cron);
      if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
    }
  });
export type ScheduleEntry = z.infer<typeof ScheduleEntry>;

/** The schedule as sent: entries, or null to stop scheduled runs. */
export const SyncSchedule = z.array(ScheduleEntry).min(1).max(maxScheduleEntries).nullable();
export type SyncSchedule = z.infer<typeof SyncSchedule>;

export const ScheduleEntryView = responseSchema(() =>
  z
    .object({
      every: z.number().int().optional(),
      cron: z.string().optional(),
      timezone: z.string().optional(),
      streams: z.array(StreamChoice).optional(),
      mode: z.enum(syncModes),
    })
    .meta({ id: 'SyncScheduleEntry' }),
);

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression is refused, or undefined. Minutes are the finest grain: the scheduler runs once a minute. */
function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  const fields = trimmed.split(/\s+/);
  if (!(fields.length === 5 || (fields.length === 1 && cronNicknames.includes(trimmed.toLowerCase())))) {
    return 'five fields (minute hour day-of-month month day-of-week) or a nickname (@hourly, @daily, @weekly, @monthly, @yearly)';
  }
  try {
    if (new Cron(trimmed, { paused: true }).nextRun() === null) return 'never fires';
    return undefined;
  } catch (error) {
    return `not a cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`;
  }
}

/**
 * When the entry is next due after it was due at `last` (or was set, at `last`), the
 * first such time after `now`: an interval keeps its cadence, and a scheduler that was
 * down fires once for what it missed, not once per missed interval.
 */
export function nextDue(entry: ScheduleEntry, last: Date, now: Date): Date {
  if (entry.every !== undefined) {
    const step = entry.every * 60_000;
    const missed = Math.max(0, Math.floor((now.getTime() - last.getTime()) / step));
    return new Date(last.getTime() + (missed + 1) * step);
  }
  const next = new Cron(entry.cron!.trim(), { paused: true, ...(entry.timezone ? { timezone: entry.timezone } : {}) }).nextRun(now > last ? now : last);
  // A cron that fires no more (a date that has passed) is due never: a century on.
  return next ?? new Date(now.getTime() + 100 * 365 * 86_400_000);
}

/**
 * Seconds a due run's first messages wait, the same for the same connection and entry:
 * runs due on the same minute (every connection on `0 * * * *`) spread over it instead of
 * reaching the providers and the workers at once. At most a tenth of an interval.
 */
export function jitterSeconds(connectionId: string, entryIndex: number, entry: ScheduleEntry): number {
  const spread = entry.every !== undefined ? Math.min(60, Math.floor(entry.every * 6)) : 60;
  if (spread <= 1) return 0;
  return createHash('sha256').update(`${connectionId}#${entryIndex}`).digest().readUInt32BE(0) % spread;
}
