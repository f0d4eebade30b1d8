import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { cancellationReasonsOf, type DynamoDb, type TransactItem } from './dynamodb';
import { Invalid } from './errors';
import { decodeCursor, encodeCursor } from './pagination';

export type { TransactItem };

/** A table as the domain stores take it: a client and a name. */
export interface TableStore {
  db: DynamoDb;
  table: string;
}

/** Drops the table's key attributes: callers see the item, not its address. */
export function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

/**
 * Runs a transaction; false when a condition failed (the caller decides what that means).
 * DynamoDB may cancel a transaction that raced another on the same item with
 * TransactionConflict before judging its conditions: that is retried, so the conditions
 * decide which of several concurrent writers wins.
 */
export async function transact(store: TableStore, items: TransactItem[]): Promise<boolean> {
  return (await failedConditions(store, items)) === undefined;
}

/**
 * `transact`, telling which conditions failed: undefined when it committed, else the
 * positions of the items whose conditions did not hold, so the caller can say why
 * without reading anything again.
 */
export async function failedConditions(store: TableStore, items: TransactItem[]): Promise<number[] | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.db.transactWrite({ TransactItems: items });
      return undefined;
    } catch (error) {
      const reasons = cancellationReasonsOf(error);
      if (!reasons) throw error;
      const codes = reasons.map((reason) => reason.Code);
      if (codes.includes('TransactionConflict') && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
        continue;
      }
      if (codes.includes('ConditionalCheckFailed')) return codes.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : []));
      throw error;
    }
  }
}

/**
 * One page of a partition's items whose sort key starts with `prefix`, newest first
 * (ids are time-ordered), with equality filters on plain attributes.
 *
 * DynamoDB applies `Limit` before the filter, so one query may return fewer matches than
 * asked for; this keeps reading until it has one match more than the page holds or the
 * partition is exhausted. That one more is how a full last page knows it is the last
 * (DynamoDB hands back a LastEvaluatedKey whenever `Limit` is reached, more or not), so
 * `nextCursor` is null exactly when nothing follows. With filters it reads ahead in steps
 * of at least 100 items (a rare match would otherwise cost one round trip per `limit`
 * items). The cursor points just after the last item returned, not the last one read.
 */
export async function queryPage<T>(
  store: TableStore,
  options: {
    pk: string;
    prefix: string;
    limit: number;
    cursor?: string;
    equals?: Record<string, string | undefined>;
    /** Extra filter expressions, ANDed (e.g. `attribute_exists(version)`). */
    conditions?: string[];
    names?: Record<string, string>;
    values?: Record<string, unknown>;
    /**
     * The lowest sort key to read (inclusive, within `prefix`): a key range, so a list that
     * stops at a point in time reads nothing older, where a filter would read it all.
     */
    from?: string;
    /** The highest sort key to read (inclusive), with `from`. */
    to?: string;
    /**
     * False for a lookup that needs the first `limit` matches and nothing else (is any
     * connection using this?): it does not read ahead for the one more that tells a full
     * last page from one with more after it, which with a filter can mean reading the
     * whole partition. Its `nextCursor` is then not to be given out.
     */
    readAhead?: boolean;
  },
): Promise<{ items: T[]; nextCursor: string | null }> {
  const wanted = options.limit + (options.readAhead === false ? 0 : 1);
  const filters = [...(options.conditions ?? [])];
  const names: Record<string, string> = { ...options.names };
  const values: Record<string, unknown> = { ':pk': options.pk, ...(options.from ? { ':from': options.from, ':to': options.to ?? `${options.prefix}\uffff` } : { ':prefix': options.prefix }), ...options.values };
  for (const [attribute, value] of Object.entries(options.equals ?? {})) {
    if (value === undefined) continue;
    names[`#${attribute}`] = attribute;
    values[`:${attribute}`] = value;
    filters.push(`#${attribute} = :${attribute}`);
  }
  const found: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined = decodeCursor(options.cursor, options);
  // DynamoDB refuses a start key outside the key range (a 500); this one was never handed out.
  if (start && options.from && String(start.sk) < options.from) {
    throw new Invalid('the cursor is not one this list returned', [{ field: 'query.cursor', message: 'outside the list asked for' }]);
  }
  const pages = paginateQuery(
    { client: store.db, pageSize: filters.length ? Math.max(wanted, 100) : wanted, ...(start ? { startingToken: start } : {}) },
    {
      TableName: store.table,
      KeyConditionExpression: options.from ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk AND begins_with(sk, :prefix)',
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
  );
  for await (const page of pages) {
    found.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
    if (found.length >= wanted) break;
  }
  if (found.length > options.limit) {
    found.length = options.limit;
    const last = found.at(-1)!;
    start = { pk: String(last.pk), sk: String(last.sk) };
  }
  return {
    items: found.map((item) => strip<T>(item)),
    nextCursor: encodeCursor(start),
  };
}

export interface ItemKey {
  pk: string;
  sk: string;
}

/** BatchGetItem takes at most 100 keys a request. */
const batchGetLimit = 100;

/**
 * Reads items by key in as few requests as DynamoDB allows (100 keys each), asking again
 * for what it left unprocessed under throttling; answers in the order of `keys`,
 * undefined where there is no item. Duplicate keys are read once (DynamoDB refuses them).
 */
export async function getMany<T>(
  store: TableStore,
  keys: ItemKey[],
  options: {
    consistent: boolean;
    /**
     * The attributes to answer (the key is always read too). DynamoDB still charges for
     * the whole item, but a response of hashes instead of payloads stays far from
     * BatchGetItem's 16 MB, which would otherwise leave keys unprocessed.
     */
    projection?: string[];
  },
): Promise<Array<T | undefined>> {
  const id = (key: ItemKey) => `${key.pk}\n${key.sk}`;
  const unique = [...new Map(keys.map((key) => [id(key), { pk: key.pk, sk: key.sk }])).values()];
  const found = new Map<string, Record<string, unknown>>();
  const attributes = options.projection && ['pk', 'sk', ...options.projection.filter((name) => name !== 'pk' && name !== 'sk')];
  const projection = attributes && {
    ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#p${i}`, name])),
  };
  const chunks = [];
  for (let i = 0; i < unique.length; i += batchGetLimit) chunks.push(unique.slice(i, i + batchGetLimit));
  await Promise.all(
    chunks.map(async (chunk) => {
      let wanted: ItemKey[] = chunk;
      for (let round = 0; wanted.length > 0; round++) {
        if (round === 8) throw new Error(`DynamoDB left ${wanted.length} key(s) unprocessed after ${round} requests`);
        // Unprocessed keys mean throttling: back off before asking again, as the SDK's retries do.
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** round));
        const { Responses = {}, UnprocessedKeys = {} } = await store.db.batchGet({
          RequestItems: { [store.table]: { Keys: wanted, ConsistentRead: options.consistent, ...projection } },
        });
        for (const item of Responses[store.table] ?? []) found.set(id(item as ItemKey), item);
        wanted = (UnprocessedKeys[store.table]?.Keys ?? []) as ItemKey[];
      }
    }),
  );
  return keys.map((key) => {
    const item = found.get(id(key));
    return item ? strip<T>(item) : undefined;
  });
}
