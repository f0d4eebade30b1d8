/**
 * EventBridge schedule expressions, evaluated in UTC as EventBridge does:
 * `rate(5 minutes)` and the six-field `cron(minutes hours day-of-month month day-of-week year)`.
 * Supported cron syntax: `*`, `?`, lists, ranges, steps, month and weekday names.
 * (`L`, `W` and `#` are rejected rather than silently misread.)
 */
export type Schedule =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; fields: Array<Set<number> | null> };

const units: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
// [min, max, names (index + offset = value)]
const fieldSpecs: Array<[number, number, string[] | null, number]> = [
  [0, 59, null, 0],
  [0, 23, null, 0],
  [1, 31, null, 0],
  [1, 12, months, 1],
  [1, 7, weekdays, 1],
  [1970, 2199, null, 0],
];

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!.replace(/s$/, '');
    if (value < 1) throw new Error(`${expression}: the rate must be at least 1`);
    // EventBridge insists on "rate(1 minute)" but "rate(5 minutes)".
    if ((value === 1) === rate[2]!.endsWith('s')) {
      throw new Error(`${expression}: write "rate(${value} ${unit}${value === 1 ? '' : 's'})"`);
    }
    return { kind: 'rate', everyMs: value * units[unit]! };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron) throw new Error(`${expression} is neither rate(...) nor cron(...)`);
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`${expression}: cron takes 6 fields, got ${parts.length}`);
  if ((parts[2] === '?') === (parts[4] === '?')) {
    throw new Error(`${expression}: exactly one of day-of-month and day-of-week must be "?"`);
  }
  return { kind: 'cron', fields: parts.map((part, i) => parseField(part, fieldSpecs[i]!, expression)) };
}

function parseField(part: string, [min, max, names, offset]: (typeof fieldSpecs)[number], expression: string) {
  if (part === '*' || part === '?') return null;
  const values = new Set<number>();
  const value = (text: string) => {
    const named = names?.indexOf(text.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + offset : Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${expression}: "${text}" is out of range`);
    return n;
  };
  for (const item of part.split(',')) {
    if (item.includes('#') || /^(\d*L|\d+W|LW)$/i.test(item)) {
      throw new Error(`${expression}: L, W and # are not supported locally`);
    }
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`${expression}: bad step in "${item}"`);
    let [from, to] = [min, max];
    if (range !== '*') {
      const [a, b] = range!.split('-');
      from = value(a!);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b);
    }
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

/** The first fire time strictly after `after` (ms), or undefined within 5 years. */
export function nextFireTime(schedule: Schedule, after: number, since: number = after): number | undefined {
  if (schedule.kind === 'rate') {
    const elapsed = Math.max(0, after - since);
    return since + (Math.floor(elapsed / schedule.everyMs) + 1) * schedule.everyMs;
  }
  const [minutes, hours, days, months, weekdays, years] = schedule.fields;
  const t = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
  const limit = after + 5 * 366 * 86_400_000;
  while (t.getTime() < limit) {
    if (years && !years.has(t.getUTCFullYear())) {
      t.setUTCFullYear(t.getUTCFullYear() + 1, 0, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (months && !months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if ((days && !days.has(t.getUTCDate())) || (weekdays && !weekdays.has(t.getUTCDay() + 1))) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (hours && !hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (minutes && !minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t.getTime();
    }
  }
  return undefined;
}
