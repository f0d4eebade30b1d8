import { randomUUID } from 'node:crypto';
import type { Declaration, ScheduleDeclaration } from '../declaration';
import type { FunctionHost } from './functions';
import { nextFireTime, parseSchedule, type Schedule } from './schedule-expression';

/**
 * Fires each declared schedule at its EventBridge expression's times with the event
 * EventBridge sends ("Scheduled Event"). `tick(now)` fires whatever is due at `now`;
 * the timer calls it, and tests call it with a moved clock instead of waiting.
 */
export interface RunningScheduler {
  tick(now: number): Promise<void>;
  stop(): void;
}

interface Entry {
  name: string;
  declared: ScheduleDeclaration;
  schedule: Schedule;
  next: number | undefined;
}

export function startScheduler(options: {
  declaration: Declaration;
  functions: FunctionHost;
  region: string;
  now?: () => number;
  timers?: boolean;
}): RunningScheduler {
  const now = options.now ?? Date.now;
  const started = now();
  const entries: Entry[] = Object.entries(options.declaration.functions)
    .filter((e): e is [string, ScheduleDeclaration] => e[1].kind === 'schedule')
    .map(([name, declared]) => {
      const schedule = parseSchedule(declared.expression);
      return { name, declared, schedule, next: nextFireTime(schedule, started, started) };
    });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function tick(at: number) {
    const due = entries.filter((entry) => entry.next !== undefined && entry.next <= at);
    for (const entry of due) entry.next = nextFireTime(entry.schedule, at, started);
    await Promise.all(
      due.map((entry) =>
        options.functions.invoke(entry.name, scheduledEvent(entry.name, at, options.region)).catch(() => {
          // EventBridge does not retry a failed asynchronous invocation into the schedule;
          // the function host has logged the failure.
        }),
      ),
    );
  }

  function arm() {
    if (stopped || options.timers === false) return;
    const next = Math.min(...entries.map((e) => e.next ?? Infinity));
    if (!Number.isFinite(next)) return;
    // setTimeout cannot wait longer than ~24.8 days; re-arm in steps.
    timer = setTimeout(() => void tick(now()).finally(arm), Math.min(Math.max(0, next - now()), 2 ** 31 - 1));
    timer.unref();
  }
  arm();

  return {
    tick,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function scheduledEvent(name: string, at: number, region: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/${name}`],
    detail: {},
  };
}
