import type { SchedulePort } from '../connections/service';
import type { Integration } from '../integrations/schema';
import { operatorAudit } from '../platform/audit';
import { DomainError, Invalid } from '../platform/errors';
import { derivedId } from '../platform/ids';
import type { TransactItem } from '../platform/items';
import { jitterSeconds, nextDue, type ScheduleEntry } from './schedule';
import { scheduleWrite, type ScheduleStore } from './schedule-store';
import { chooseStreams, startSyncRun, type SyncApiDeps } from './service';

/**
 * Scheduled syncs: the schedule a connection is given (checked here, stored with the
 * connection), and the scheduler that starts what is due, once a minute.
 */

/**
 * The items that give a connection its schedule (null: none), for the transaction that
 * changes the connection; each entry's streams are checked against the integration's
 * (400 naming the field). An entry is first due one interval after it is set, or at its
 * cron expression's next time.
 */
export function scheduleItems(table: string, tenantId: string, connectionId: string, integration: Integration, entries: ScheduleEntry[] | null, now: Date): TransactItem[] {
  if (entries === null) return [scheduleWrite(table, tenantId, connectionId, null)];
  const claimed = new Map<string, number>();
  entries.forEach((entry, i) => {
    const streams = chooseStreams(integration, entry.streams, `body.syncSchedule.${i}.streams`);
    for (const stream of streams) {
      // Two entries syncing one stream would only collide on its lock.
      const key = JSON.stringify([stream.name, Object.entries(stream.params).sort()]);
      const other = claimed.get(key);
      if (other !== undefined) {
        throw new Invalid(`entries ${other} and ${i} of the schedule both sync stream ${stream.name}`, [
          { field: `body.syncSchedule.${i}.streams`, message: `stream ${stream.name} is already scheduled by entry ${other}` },
        ]);
      }
      claimed.set(key, i);
    }
  });
  const next = entries.map((entry) => nextDue(entry, now, now).toISOString());
  return [scheduleWrite(table, tenantId, connectionId, { entries, next })];
}

/** Schedules as connections set them (their `SchedulePort`), in `table`. */
export function schedulePort(table: string): SchedulePort {
  return {
    set: (...args) => scheduleItems(table, ...args),
    clear: (tenantId, connectionId) => scheduleWrite(table, tenantId, connectionId, null),
  };
}

export interface SchedulerDeps extends SyncApiDeps {
  schedules: ScheduleStore;
}

export interface SchedulerOutcome {
  /** Runs started. */
  started: string[];
  /** Entries due whose streams a run was still syncing: they come round again at their next time. */
  busy: number;
  /** Entries that no longer fit their integration (a stream it dropped): skipped until the schedule is changed. */
  refused: number;
  /** Connections whose due runs could not be started (the rest went ahead): they are tried again next minute. */
  failed: Array<{ tenantId: string; connectionId: string; error: string }>;
}

/**
 * Starts every scheduled run that is due: for each due entry a run of its streams, with
 * jitter, then the entry's next time. A run's id derives from the connection, the entry
 * and the time it was due, so a scheduler that crashed after starting a run and before
 * moving the entry on, then starts it again, finds the run it made (no second run). A
 * stream still being synced skips that time (one run at a time per stream: the lock).
 */
export async function startDueRuns(deps: SchedulerDeps): Promise<SchedulerOutcome> {
  const now = deps.now?.() ?? new Date();
  const outcome: SchedulerOutcome = { started: [], busy: 0, refused: 0, failed: [] };
  for (const { tenantId, connectionId } of await deps.schedules.due(now.toISOString())) {
    try {
      await fireDue(deps, tenantId, connectionId, now, outcome);
    } catch (error) {
      // One connection's trouble (its integration gone, a throttled table) must not hold up the others'.
      outcome.failed.push({ tenantId, connectionId, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcome;
}

async function fireDue(deps: SchedulerDeps, tenantId: string, connectionId: string, now: Date, outcome: SchedulerOutcome) {
  // The index lags the table: read the schedule itself.
  const schedule = await deps.schedules.get(tenantId, connectionId);
  if (!schedule) return;
  const audit = operatorAudit(tenantId, 'scheduler', 'sync.start');
  const next = [...schedule.next];
  let gone = false;
  for (const [i, entry] of schedule.entries.entries()) {
    const dueAt = new Date(schedule.next[i]!);
    if (dueAt > now) continue;
    try {
      const run = await startSyncRun(deps, audit, connectionId, { streams: entry.streams, mode: entry.mode }, {
        runId: derivedId('sync', dueAt.getTime(), `${tenantId}#${connectionId}#${i}#${schedule.next[i]}`),
        delaySeconds: jitterSeconds(connectionId, i, entry),
      });
      outcome.started.push(run.id);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.status === 404) gone = true;
      else if (error.status === 409) outcome.busy++;
      else outcome.refused++;
    }
    next[i] = nextDue(entry, dueAt, now).toISOString();
  }
  // Deleting a connection drops its schedule in the same transaction; this catches one the index still showed.
  if (gone) await deps.schedules.remove(tenantId, schedule);
  else await deps.schedules.advance(tenantId, schedule, next);
}
