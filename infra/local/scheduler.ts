import { randomUUID } from 'node:crypto';
import type { Declaration, ScheduleDeclaration } from '../declaration';
import type { FunctionHost } from './functions';
import { reporter, type LogSink } from './logs';
import { nextFireTime, parseSchedule, type Schedule } from './schedule-expression';

/**
 * Fires each declared schedule at its EventBridge expression's times with the event
 * EventBridge sends ("Scheduled Event"). `tick(now)` fires whatever is due at `now`
 * (schedules and retries) and resolves when those runs have ended; the timer calls it
 * without waiting, so a slow run never delays another firing, and tests call it with a
 * moved clock instead of waiting.
 *
 * EventBridge invokes the function asynchronously, so a failed run is Lambda's to retry:
 * with no EventInvokeConfig, twice, about 1 and then 2 minutes after the failure, with the
 * same event (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
 */
export interface RunningScheduler {
  tick(now: number): Promise<void>;
  /** Fires nothing more, drops pending retries, and waits for the runs in flight. */
  stop(): Promise<void>;
}

interface Entry {
  name: string;
  declared: ScheduleDeclaration;
  schedule: Schedule;
  next: number | undefined;
}

type ScheduledEvent = ReturnType<typeof scheduledEvent>;

interface Retry {
  name: string;
  event: ScheduledEvent;
  /** 1 for the first retry. */
  attempt: number;
  at: number;
}

/** Lambda's asynchronous retries: how long after each failure the next attempt starts. */
const retryDelaysMs = [60_000, 120_000];

export function startScheduler(options: {
  declaration: Declaration;
  functions: FunctionHost;
  region: string;
  now?: () => number;
  timers?: boolean;
  /** Where the scheduler reports failed runs and retries (the terminal if not given). */
  log?: LogSink;
}): RunningScheduler {
  const now = options.now ?? Date.now;
  const report = (name: string, message: string) => reporter(`schedule ${name}`, options.log)(message);
  const started = now();
  const entries: Entry[] = Object.entries(options.declaration.functions)
    .filter((e): e is [string, ScheduleDeclaration] => e[1].kind === 'schedule')
    .map(([name, declared]) => {
      const schedule = parseSchedule(declared.expression);
      return { name, declared, schedule, next: nextFireTime(schedule, started, started) };
    });
  let retries: Retry[] = [];
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function tick(at: number): Promise<void> {
    if (stopped) return Promise.resolve();
    const runs: Array<Promise<void>> = [];
    // Each entry moves to its next time before its run starts, so an overlapping tick
    // cannot fire the same due time twice.
    for (const entry of entries) {
      if (entry.next === undefined || entry.next > at) continue;
      entry.next = nextFireTime(entry.schedule, at, started);
      runs.push(run(entry.name, scheduledEvent(entry.name, at, options.region), 0));
    }
    const due = retries.filter((retry) => retry.at <= at);
    retries = retries.filter((retry) => retry.at > at);
    for (const retry of due) {
      report(retry.name, `retry ${retry.attempt} of ${retryDelaysMs.length}`);
      runs.push(run(retry.name, retry.event, retry.attempt));
    }
    return Promise.all(runs).then(() => undefined);
  }

  /** One attempt; a failure (already logged by the function host) schedules the next. */
  function run(name: string, event: ScheduledEvent, attempt: number): Promise<void> {
    const invocation = options.functions.invoke(name, event).then(
      () => undefined,
      () => {
        if (stopped) return;
        const delay = retryDelaysMs[attempt];
        if (delay === undefined) {
          report(name, `failed after ${attempt} retries; the event is dropped`);
          return;
        }
        report(name, `failed; retry ${attempt + 1} of ${retryDelaysMs.length} in ${delay / 1000} s`);
        retries.push({ name, event, attempt: attempt + 1, at: now() + delay });
        arm();
      },
    );
    running.add(invocation);
    void invocation.finally(() => running.delete(invocation));
    return invocation;
  }

  function arm() {
    clearTimeout(timer);
    if (stopped || options.timers === false) return;
    const next = Math.min(...entries.map((e) => e.next ?? Infinity), ...retries.map((r) => r.at));
    if (!Number.isFinite(next)) return;
    // setTimeout cannot wait longer than ~24.8 days; re-arm in steps.
    timer = setTimeout(
      () => {
        void tick(now());
        arm();
      },
      Math.min(Math.max(0, next - now()), 2 ** 31 - 1),
    );
    timer.unref();
  }
  arm();

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      retries = [];
      await Promise.allSettled(running);
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
