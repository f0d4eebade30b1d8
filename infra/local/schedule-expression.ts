/**
 * EventBridge schedule expressions, evaluated in UTC as EventBridge does:
 * `rate(5 minutes)` and the six-field `cron(minutes hours day-of-month month day-of-week year)`.
 * Supported cron syntax: `*`, `?`, lists, ranges, steps, month and weekday names.
 * (`L`, `W`, `#` and wrap-around ranges such as `FRI-MON` are rejected rather than silently misread.)
 */
export type Schedule =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; fields: Array<Set<number> | null> };

const units: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
// The fields, values and wildcards of
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html
// (a name's value is its index + min).
type FieldSpec = { field: string; min: number; max: number; names?: string[]; allowsQuestionMark?: boolean };
const fieldSpecs: FieldSpec[] = [
  { field: 'minutes', min: 0, max: 59 },
  { field: 'hours', min: 0, max: 23 },
  { field: 'day-of-month', min: 1, max: 31, allowsQuestionMark: true },
  { field: 'month', min: 1, max: 12, names: months },
  { field: 'day-of-week', min: 1, max: 7, names: weekdays, allowsQuestionMark: true },
  { field: 'year', min: 1970, max: 2199 },
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

function parseField(part: string, spec: FieldSpec, expression: string) {
  const { field, min, max, names, allowsQuestionMark } = spec;
  const fail = (problem: string) => new Error(`${expression}: ${field} ${problem}`);
  if (part === '?' && !allowsQuestionMark) throw fail('cannot be "?"; only day-of-month and day-of-week can');
  if (part === '*' || part === '?') return null;
  const show = (n: number) => names?.[n - min] ?? String(n);
  // Digits only: Number() would also read "0x1e", "1e1" and "" (as 0).
  const number = (text: string) => {
    if (!/^\d+$/.test(text)) throw fail(`"${text}" is not a decimal number${names ? ' or a name' : ''}`);
    return Number(text);
  };
  const value = (text: string) => {
    const named = names?.indexOf(text.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + min : number(text);
    if (n < min || n > max) throw fail(`"${text}" is out of range ${min}-${max}`);
    return n;
  };
  const values = new Set<number>();
  for (const item of part.split(',')) {
    if (item === '') throw fail(`"${part}" has an empty list element`);
    if (item.includes('#') || /^(\d*L|\d+W|LW)$/i.test(item)) {
      throw fail('uses L, W or #, which are not supported locally');
    }
    // "*", "5", "5-10", each optionally followed by "/step" (a step on a single value runs to the maximum).
    const shape = /^(?:\*|([^-/]+)(?:-([^-/]+))?)(?:\/([^-/]+))?$/.exec(item);
    if (!shape) throw fail(`"${item}" is not a value, a range or a step`);
    const [, a, b, stepText] = shape;
    const step = stepText === undefined ? 1 : number(stepText);
    // Quartz caps a step at the field's maximum, and EventBridge rejects cron(*/60 * * * ? *).
    if (step < 1 || step > max) throw fail(`"${item}" needs a step from 1 to ${max}`);
    const from = a === undefined ? min : value(a);
    const to = b !== undefined ? value(b) : a === undefined || stepText !== undefined ? max : from;
    if (from > to) {
      // EventBridge documents ranges only as running upwards ("1-15"), never as wrapping past
      // the maximum, so FRI-MON is refused rather than guessed at.
      if (field === 'year') throw fail(`"${item}" runs backwards`);
      const span = max - min + 1;
      const meant = [];
      for (let n = from; n <= to + span; n += step) meant.push(show(n > max ? n - span : n));
      throw fail(`"${item}" wraps around, which EventBridge does not document; use a list: ${meant.join(',')}`);
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
