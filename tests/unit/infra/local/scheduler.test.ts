import { jest } from '@jest/globals';
import type { Declaration } from '../../../../infra/declaration';
import { declaration } from '../../../../infra/functions';
import type { FunctionHost } from '../../../../infra/local/functions';
import { startScheduler } from '../../../../infra/local/scheduler';

const minute = 60_000;

/** The product's declaration with only these schedules as its functions. */
function withSchedules(expressions: Record<string, string>): Declaration {
  const functions = Object.fromEntries(
    Object.entries(expressions).map(([name, expression]) => [
      name,
      { kind: 'schedule' as const, entry: `tests/fixtures/functions/${name}.ts`, expression, access: {} },
    ]),
  );
  return { ...declaration, functions };
}

/** A function host that records each call and answers with `answer(name)`. */
function recordingHost(answer: (name: string) => Promise<unknown>) {
  const calls: Array<{ name: string; event: { id: string; time: string } }> = [];
  const functions: FunctionHost = {
    invoke(name, event) {
      calls.push({ name, event: event as { id: string; time: string } });
      return answer(name);
    },
  };
  return { calls, functions, of: (name: string) => calls.filter((c) => c.name === name) };
}

let log: string[];
beforeEach(() => {
  jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
  log = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (log.push(String(chunk)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('scheduler', () => {
  it('fires a schedule on time while another schedule is still running', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const host = recordingHost((name) => (name === 'slow' ? released : Promise.resolve()));
    const scheduler = startScheduler({
      declaration: withSchedules({ slow: 'rate(5 minutes)', fast: 'rate(1 minute)' }),
      functions: host.functions,
      region: 'us-east-1',
    });

    await jest.advanceTimersByTimeAsync(10 * minute);

    expect(host.of('fast')).toHaveLength(10);
    expect(host.of('slow')).toHaveLength(2);
    release();
    await scheduler.stop();
  });

  it('retries a failed run twice with the same event, 1 and 2 minutes after each failure, and not more', async () => {
    const host = recordingHost(() => Promise.reject(new Error('boom')));
    const scheduler = startScheduler({
      declaration: withSchedules({ nightly: 'rate(1 day)' }),
      functions: host.functions,
      region: 'us-east-1',
    });

    await jest.advanceTimersByTimeAsync(24 * 60 * minute);
    expect(host.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(minute - 1);
    expect(host.calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(host.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(2 * minute - 1);
    expect(host.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(host.calls).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(60 * minute);

    expect(host.calls).toHaveLength(3);
    expect(new Set(host.calls.map((c) => c.event))).toEqual(new Set([host.calls[0]!.event]));
    expect(log.filter((line) => line.startsWith('schedule nightly:'))).toEqual([
      'schedule nightly: failed; retry 1 of 2 in 60 s\n',
      'schedule nightly: retry 1 of 2\n',
      'schedule nightly: failed; retry 2 of 2 in 120 s\n',
      'schedule nightly: retry 2 of 2\n',
      'schedule nightly: failed after 2 retries; the event is dropped\n',
    ]);
    await scheduler.stop();
  });

  it('drops pending retries when it stops', async () => {
    const host = recordingHost(() => Promise.reject(new Error('boom')));
    const scheduler = startScheduler({
      declaration: withSchedules({ nightly: 'rate(1 day)' }),
      functions: host.functions,
      region: 'us-east-1',
    });
    await jest.advanceTimersByTimeAsync(24 * 60 * minute);

    await scheduler.stop();
    await jest.advanceTimersByTimeAsync(10 * minute);

    expect(host.calls).toHaveLength(1);
  });

  it('waits for a run in flight when it stops', async () => {
    let release!: () => void;
    const host = recordingHost(() => new Promise<void>((resolve) => (release = resolve)));
    const scheduler = startScheduler({
      declaration: withSchedules({ slow: 'rate(5 minutes)' }),
      functions: host.functions,
      region: 'us-east-1',
    });
    await jest.advanceTimersByTimeAsync(5 * minute);

    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;

    expect(stopped).toBe(true);
  });
});
