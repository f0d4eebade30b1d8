import { createHash } from 'node:crypto';
import { families, type Family, type Period } from './catalog';

/**
 * The metrics table's keys, in one place: what the tally writes, the rollup moves and
 * the reader asks for. Values inside keys are URI-encoded, so a `#`, `|` or `=` in a
 * route or a connection id can never be read as a separator.
 */

/** Raw items are spread over this many partitions: no one partition takes every tenant's writes. */
export const rawShards = 16;

export function shardOf(tenantId: string): number {
  return createHash('sha1').update(tenantId).digest()[0]! % rawShards;
}

/** Seconds since the epoch, fixed width, so sort keys order as numbers do. */
export const padded = (epochSeconds: number) => String(epochSeconds).padStart(11, '0');

const enc = encodeURIComponent;

/** `route=GET%20%2Fv1%2F…&…`, in the family's dimension order. */
export function encodeDimensions(family: Family, dims: Record<string, string>): string {
  return (families[family].dimensions as readonly string[])
    .filter((name) => dims[name] !== undefined)
    .map((name) => `${name}=${enc(dims[name]!)}`)
    .join('&');
}

/** The raw item's sort key: minute first, so the rollup queries "every minute before t". */
export function rawItemKey(tenantId: string, family: Family, dims: Record<string, string>, minute: number): string {
  return `${padded(minute)}#${enc(tenantId)}#${family}#${encodeDimensions(family, dims)}`;
}

/** One series: a tenant's family and period, for the tenant's total (`*`) or one dimension's value. */
export function seriesPk(tenantId: string, family: Family, period: Period, filter?: { dimension: string; value: string }): string {
  return `SER#${enc(tenantId)}#${family}#${period}#${filter ? `${filter.dimension}=${enc(filter.value)}` : '*'}`;
}

/** Every family's tenant totals of one period share a partition: the overview is one Query. */
export const totalsPk = (tenantId: string, period: Period) => `TOT#${enc(tenantId)}#${period}`;
export const totalsSk = (bucket: number, family: Family) => `${padded(bucket)}#${family}`;
