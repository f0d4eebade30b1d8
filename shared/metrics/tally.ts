import { randomBytes } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger } from '../platform/logger';
import { metrics } from '../platform/metrics';
import { metricsTable, type MetricsStore } from './deps';
import { families, type CounterOf, type Family } from './catalog';
import { bucketOf } from './histogram';
import { errorGroupKey, errorGroupTtlSeconds, sanitizeSample, type ErrorGroup } from './errors';
import { rawItemKey, shardOf } from './keys';

/**
 * The per-invocation tally: the code paths that do work count into memory (no I/O), and
 * `flushTally()` writes everything counted since the last flush, once per request (the
 * HTTP wrapper) or once per batch (the queue consumer, schedules).
 *
 * Why this layout: DynamoDB bills a write by the size of the item written (1 WCU per
 * started KB), so a write onto a growing hour item gets dearer all hour. Each flush
 * instead ADDs onto one small "raw" item per (tenant, family, dimension values, minute):
 * counters plus a fixed 16-bucket latency histogram, always well under 1 KB, so 1 WCU. A
 * request is one such item; a batch of 10 deliveries to one endpoint is still one. The
 * rollup (functions/metrics/rollup.ts) folds raw items into the minute/hour/day series and
 * deletes them.
 *
 * Raw items live under `RAW#<shard>` (16 shards by tenant hash, so no one partition takes
 * every write) with the minute first in the sort key, so the rollup finds every pending
 * minute of a shard with one Query.
 */
export type DimensionsOf<F extends Family> = Partial<Record<(typeof families)[F]['dimensions'][number], string>>;
export type CountersOf<F extends Family> = Partial<Record<CounterOf<F>, number>>;

export interface Tally {
  /** Adds counters (and one latency observation, for a family with a histogram) to the current minute. */
  count<F extends Family>(tenantId: string, family: F, dims: DimensionsOf<F>, counters: CountersOf<F>, latencyMs?: number): void;
  /** Counts one failure into its error group; `sample` is sanitized before it is kept. */
  fail(tenantId: string, group: ErrorGroup, sample: string): void;
  /** Writes what was counted since the last flush and empties the tally; never throws. */
  flush(): Promise<void>;
}

export type TallyStore = MetricsStore;

export interface TallyOptions {
  /** Where to write; read lazily, so a function that counts nothing needs no table. */
  store: () => TallyStore;
  now?: () => number;
  /** Off in tests that look only at DynamoDB. */
  emf?: boolean;
}

interface Pending {
  tenantId: string;
  family: Family;
  dims: Record<string, string>;
  minute: number;
  counters: Record<string, number>;
  histogram: number[];
}

interface PendingError {
  tenantId: string;
  group: ErrorGroup;
  count: number;
  sample: string;
  firstSeen: number;
  lastSeen: number;
}

/** Low-cardinality CloudWatch totals (no tenant ids): what the operator's dashboard reads. */
export const emfNames: Partial<Record<`${Family}.${string}`, string>> = {
  'api.requests': 'ApiRequests',
  'api.client_errors': 'ApiClientErrors',
  'api.server_errors': 'ApiServerErrors',
  'sync.runs': 'SyncRuns',
  'sync.runs_failed': 'SyncRunsFailed',
  'sync.records': 'SyncRecords',
  'sync.pages': 'SyncPages',
  'sync.rate_limited': 'SyncRateLimited',
  'webhook.deliveries': 'WebhookDeliveries',
  'webhook.attempts': 'WebhookAttempts',
  'webhook.failures': 'WebhookFailures',
  'inbound.accepted': 'InboundAccepted',
  'inbound.refused': 'InboundRefused',
  'upload.bytes': 'UploadBytes',
  'upload.completed': 'UploadsCompleted',
  'upload.failed': 'UploadsFailed',
};

export function createTally(options: TallyOptions): Tally {
  const now = options.now ?? Date.now;
  let pending = new Map<string, Pending>();
  let errors = new Map<string, PendingError>();

  return {
    count(tenantId, family, dims, counters, latencyMs) {
      const minute = Math.floor(now() / 60_000) * 60;
      const kept = keptDimensions(family, dims as Record<string, string | undefined>);
      const key = rawItemKey(tenantId, family, kept, minute);
      let entry = pending.get(key);
      if (!entry) {
        entry = { tenantId, family, dims: kept, minute, counters: {}, histogram: [] };
        pending.set(key, entry);
      }
      for (const [name, value] of Object.entries(counters as Record<string, number | undefined>)) {
        if (value === undefined || !Number.isFinite(value) || value === 0) continue;
        entry.counters[name] = (entry.counters[name] ?? 0) + value;
      }
      if (latencyMs !== undefined && 'histogram' in families[family] && Number.isFinite(latencyMs)) {
        const bucket = bucketOf(latencyMs);
        entry.histogram[bucket] = (entry.histogram[bucket] ?? 0) + 1;
      }
    },

    fail(tenantId, group, sample) {
      const at = now();
      const key = `${tenantId}\u0000${errorGroupKey(group)}`;
      const entry = errors.get(key);
      if (entry) {
        entry.count += 1;
        entry.lastSeen = at;
        entry.sample = sanitizeSample(sample);
      } else {
        errors.set(key, { tenantId, group, count: 1, sample: sanitizeSample(sample), firstSeen: at, lastSeen: at });
      }
    },

    async flush() {
      if (pending.size === 0 && errors.size === 0) return;
      const raw = [...pending.values()];
      const failures = [...errors.values()];
      pending = new Map();
      errors = new Map();
      if (options.emf !== false) publishEmf(raw);
      let store: TallyStore;
      try {
        store = options.store();
      } catch (error) {
        logger.warn('metrics not written: the metrics table is not configured', { error: (error as Error).message });
        return;
      }
      const writes = [...raw.map((entry) => writeRaw(store, entry)), ...failures.map((entry) => writeError(store, entry))];
      const outcomes = await Promise.allSettled(writes);
      const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
      if (failed.length > 0) {
        // Only the error's name and message: neither carries counted values nor secrets.
        const first = (failed[0] as PromiseRejectedResult).reason as Error;
        logger.warn('some metrics were not written', { failed: failed.length, of: writes.length, error: `${first?.name}: ${first?.message}` });
      }
    },
  };
}

/** Only the family's declared dimensions, and only those with a value: anything else would make a series nobody can ask for. */
function keptDimensions(family: Family, dims: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of families[family].dimensions as readonly string[]) {
    const value = dims[name];
    if (typeof value === 'string' && value.length > 0) kept[name] = value.slice(0, 200);
  }
  return kept;
}

function writeRaw(store: TallyStore, entry: Pending) {
  const values: Record<string, unknown> = {
    ':w': randomBytes(9).toString('base64url'),
    ':tenant': entry.tenantId,
    ':family': entry.family,
    ':minute': entry.minute,
    ':dims': entry.dims,
    // Raw items the rollup missed (it was down) still go: long after any rollup could use them.
    ':expires': entry.minute + 7 * 86_400,
  };
  const names: Record<string, string> = {};
  const adds: string[] = [];
  let i = 0;
  for (const [counter, value] of Object.entries(entry.counters)) {
    names[`#c${i}`] = counter;
    values[`:c${i}`] = value;
    adds.push(`#c${i} :c${i}`);
    i += 1;
  }
  entry.histogram.forEach((value, bucket) => {
    if (!value) return;
    values[`:h${bucket}`] = value;
    adds.push(`h${bucket} :h${bucket}`);
  });
  return store.db.update({
    TableName: store.table,
    Key: { pk: `RAW#${shardOf(entry.tenantId)}`, sk: rawItemKey(entry.tenantId, entry.family, entry.dims, entry.minute) },
    // `w` is new on every write: the rollup deletes the item only if no write came after its
    // read. A random token, not a counter: an item rolled up, deleted and written again
    // would restart a counter at a value a slower rollup run may have read (ABA).
    UpdateExpression: `${adds.length ? `ADD ${adds.join(', ')} ` : ''}SET #w = :w, #tenant = :tenant, #family = :family, #minute = :minute, #dims = :dims, #expires = :expires`,
    // Every name aliased: several (minute, family) are DynamoDB reserved words.
    ExpressionAttributeNames: { ...names, '#w': 'w', '#tenant': 'tenantId', '#family': 'family', '#minute': 'minute', '#dims': 'dims', '#expires': 'expiresAt' },
    ExpressionAttributeValues: values,
  });
}

function writeError(store: TallyStore, entry: PendingError) {
  const lastSeen = new Date(entry.lastSeen).toISOString();
  const id = errorGroupKey(entry.group);
  return store.db.update({
    TableName: store.table,
    Key: { pk: `ERR#${entry.tenantId}`, sk: id },
    UpdateExpression:
      'ADD #count :count SET #kind = :kind, #integration = :integration, #connection = :connection, #route = :route, ' +
      '#first = if_not_exists(#first, :first), #last = :last, #sample = :sample, #expires = :expires, ' +
      '#gsi1pk = :gsi1pk, #gsi1sk = :gsi1sk',
    ExpressionAttributeNames: Object.fromEntries(
      Object.entries({ count: 'count', kind: 'kind', integration: 'integration', connection: 'connection', route: 'route', first: 'firstSeen', last: 'lastSeen', sample: 'sample', expires: 'expiresAt', gsi1pk: 'gsi1pk', gsi1sk: 'gsi1sk' }).map(([alias, name]) => [`#${alias}`, name]),
    ),
    ExpressionAttributeValues: {
      ':count': entry.count,
      ':kind': entry.group.kind,
      ':integration': entry.group.integration ?? null,
      ':connection': entry.group.connection ?? null,
      ':route': entry.group.route ?? null,
      ':first': new Date(entry.firstSeen).toISOString(),
      ':last': lastSeen,
      ':sample': entry.sample,
      ':expires': Math.floor(entry.lastSeen / 1000) + errorGroupTtlSeconds,
      // Newest first through the index: lastSeen, then the group, so equal times stay distinct.
      ':gsi1pk': `ERRS#${entry.tenantId}`,
      ':gsi1sk': `${lastSeen}#${id}`,
    },
  });
}

function publishEmf(raw: Pending[]) {
  try {
    let added = false;
    const totals = new Map<string, number>();
    for (const entry of raw) {
      for (const [counter, value] of Object.entries(entry.counters)) {
        const name = emfNames[`${entry.family}.${counter}`];
        if (name) totals.set(name, (totals.get(name) ?? 0) + value);
      }
    }
    for (const [name, value] of totals) {
      metrics.addMetric(name, name === 'UploadBytes' ? MetricUnit.Bytes : MetricUnit.Count, value);
      added = true;
    }
    if (added) metrics.publishStoredMetrics();
  } catch (error) {
    logger.warn('could not publish CloudWatch metrics', { error: (error as Error).message });
  }
}

/** The container's tally: what the domain code counts into. */
export const tally: Tally = createTally({ store: metricsTable });

/** Writes everything counted since the last flush; never throws (a failed write is logged). */
export function flushTally(): Promise<void> {
  return tally.flush();
}

/**
 * A handler that flushes the tally after it ran, whatever it answered or threw: for the
 * function kinds that count outside the HTTP wrapper and the queue consumer (schedules,
 * a hand-written SQS handler). `export const handler = flushedAfter(async (event) => …)`.
 */
export function flushedAfter<A extends unknown[], R>(handler: (...args: A) => Promise<R>, on: Tally = tally): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } finally {
      await on.flush();
    }
  };
}

/** A tally that keeps nothing: the bench's "counters off". */
export const noTally: Tally = { count() {}, fail() {}, flush: async () => {} };
