import type { JsonValue, RequestField, Stream, ValueFormat } from '../integrations/streams';
import { appendPath, TemplateValueError } from '../integrations/templates';
import { compilePattern } from '../integrations/vocabulary';

/**
 * The one interpreter of stream definitions (integrations/streams.ts): which request a
 * sync sends first, and what a provider's answer means — its records, the request for the
 * next page, the highest cursor value seen. Pure: no I/O, no clock, no retries. The sync
 * worker sends the requests (with the connection's credentials and the definition's
 * headers) and hands back what came.
 *
 * An answer of the wrong shape is refused with a `PagingError`, never read as "no more
 * records": a page whose records are not an array, a next URL off the connection's base,
 * a cursor that asks again for the page just read. The last is how a sync loops forever
 * while reporting success (Nango #7159): each kind of paging refuses it here.
 */

export type SyncMode = { kind: 'full' } | { kind: 'incremental'; checkpoint: string | null };

export interface PagingContext {
  stream: Stream;
  /** The connection's base URL, as `buildBaseUrl` made it: every request stays under it. */
  baseUrl: string;
  /** The connection's params (defaults applied) and the stream's own. */
  params: Record<string, string>;
  mode: SyncMode;
  /** Records per page; the stream's maximum when absent. */
  pageSize?: number;
}

export interface PageRequest {
  method: 'GET' | 'POST';
  /** Absolute, under the connection's base URL. */
  url: string;
  /** The JSON body of a POST. */
  body?: Record<string, unknown>;
  /** Where paging stands, carried from one page to the next. */
  position: PagePosition;
}

export interface PagePosition {
  /** The cursor, last id or GraphQL end cursor this request sent. */
  cursor?: string;
  /** The offset or page number this request asked for. */
  offset?: number;
  page?: number;
  /** Records answered by earlier pages of this query. */
  seen: number;
  /** The highest cursor value of earlier pages of this query (ISO 8601). */
  maxCursorValue?: string;
  /** The filter value this query started from (ISO 8601), when it has one. */
  since?: string;
}

export interface ProviderResponse {
  status: number;
  /** Header names in any case. */
  headers: Record<string, string | undefined>;
  /** The parsed JSON body. */
  body: unknown;
}

export type PageRecord = Record<string, unknown>;

export interface Page {
  records: PageRecord[];
  next?: PageRequest;
  /** The highest cursor value among `records`, as ISO 8601; absent for streams without a cursor field or an empty page. */
  maxCursorValue?: string;
}

export type PagingErrorReason =
  | 'param'
  | 'page-size'
  | 'checkpoint'
  | 'status'
  | 'graphql-errors'
  | 'shape'
  | 'record'
  | 'cursor-value'
  | 'next-url'
  | 'cursor-repeated'
  | 'cursor-stalled';

export class PagingError extends Error {
  constructor(
    readonly reason: PagingErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'PagingError';
  }
}

// ---- the first request ----

export function firstRequest(context: PagingContext): PageRequest {
  const since = sinceOf(context);
  return buildRequest(context, { seen: 0, ...(since !== undefined ? { since } : {}) });
}

/**
 * The request at a position of a query: the stream's path and fixed parts, the page size,
 * the filter (from `position.since`) and the page asked for.
 */
function buildRequest(context: PagingContext, position: PagePosition): PageRequest {
  const { stream } = context;
  const params = checkedParams(context);
  let url: URL;
  try {
    url = new URL(appendPath(context.baseUrl, stream.path, params));
  } catch (error) {
    if (error instanceof TemplateValueError) throw new PagingError('param', `param ${error.param} ${error.message}`);
    throw error;
  }
  for (const [name, value] of Object.entries(stream.query ?? {})) {
    const filled = fillWhole(value, params);
    if (filled !== undefined) url.searchParams.set(name, filled);
  }
  const request: PageRequest = { method: stream.method, url: '', position };
  if (stream.body) request.body = structuredClone(stream.body) as Record<string, unknown>;
  if (stream.graphql) {
    const variables = Object.fromEntries(
      Object.entries(stream.graphql.variables ?? {}).flatMap(([name, value]) => {
        const filled = typeof value === 'string' ? fillWhole(value, params) : value;
        return filled === undefined ? [] : [[name, filled]];
      }),
    );
    request.body = { query: stream.graphql.query, variables };
  }
  const size = pageSizeOf(context);
  if (stream.pageSize?.field) place(url, request, stream.pageSize.field, size);
  if (position.since !== undefined && stream.incremental.kind === 'filter') {
    const { field, format, template } = stream.incremental;
    const value = formatValue(position.since, format);
    place(url, request, field, template === undefined ? value : fillTemplate(template, value));
  }
  const paging = stream.pagination;
  if (paging.kind === 'offset' && position.offset !== undefined) place(url, request, paging.param, position.offset);
  if (paging.kind === 'page') place(url, request, paging.param, position.page ?? paging.first);
  if (position.cursor !== undefined) {
    if (paging.kind === 'cursor' || paging.kind === 'has-more') place(url, request, paging.param, position.cursor);
    if (paging.kind === 'graphql-page-info') place(url, request, { in: 'variable', name: paging.cursorVariable }, position.cursor);
  }
  request.url = url.toString();
  return request;
}

/** The filter value of a first request: the checkpoint less the lookback, in an incremental sync that has one. */
function sinceOf(context: PagingContext): string | undefined {
  const { mode, stream } = context;
  if (mode.kind !== 'incremental' || mode.checkpoint === null) return undefined;
  const at = parseInstant(mode.checkpoint);
  if (at === undefined) throw new PagingError('checkpoint', `the checkpoint ${JSON.stringify(mode.checkpoint)} is not an ISO 8601 time with a zone`);
  if (stream.incremental.kind === 'none') return undefined;
  return new Date(Math.max(0, at - (stream.lookbackSeconds ?? 0) * 1000)).toISOString();
}

function pageSizeOf(context: PagingContext): number {
  const declared = context.stream.pageSize;
  if (!declared) {
    if (context.pageSize !== undefined) throw new PagingError('page-size', 'the stream takes no page size');
    return 0;
  }
  const size = context.pageSize ?? declared.max;
  if (!declared.field && size !== declared.max) throw new PagingError('page-size', `the provider's page size is fixed at ${declared.max}`);
  if (!Number.isInteger(size) || size < 1 || size > declared.max) {
    throw new PagingError('page-size', `the page size must be an integer from 1 to ${declared.max}`);
  }
  return size;
}

/** The stream's own params, checked against their patterns, over the connection's. */
function checkedParams(context: PagingContext): Record<string, string> {
  for (const param of context.stream.params ?? []) {
    const value = Object.hasOwn(context.params, param.name) ? context.params[param.name] : undefined;
    if (value === undefined || value === '') {
      if (param.required) throw new PagingError('param', `param ${param.name} is required`);
      continue;
    }
    if (value.length > param.maxLength || !compilePattern(param.pattern).test(value)) {
      throw new PagingError('param', `param ${param.name} must be ${param.hint ?? `a value matching ${param.pattern}`}`);
    }
  }
  return context.params;
}

/** A value that is exactly `{name}` takes the param's value (absent when the param is: it is optional); any other value is literal. */
function fillWhole(value: string, params: Record<string, string>): string | undefined {
  const name = /^\{([a-z][A-Za-z0-9]{0,63})\}$/.exec(value)?.[1];
  if (!name) return value;
  const filled = Object.hasOwn(params, name) ? params[name] : undefined;
  return filled === '' ? undefined : filled;
}

/** Puts a value where a request field says, creating the body objects on the way. */
function place(url: URL, request: PageRequest, field: RequestField, value: JsonValue): void {
  if (field.in === 'query') {
    url.searchParams.set(field.name, typeof value === 'string' ? value : JSON.stringify(value));
    return;
  }
  const body = (request.body ??= {});
  const path = field.in === 'variable' ? ['variables', field.name] : field.path;
  let target = body;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(target, key) ? target[key] : undefined;
    if (!isObject(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path.at(-1)!] = value;
}

/**
 * Fills `{value}` in a filter template. A string that is exactly `{value}` takes the
 * value's own JSON type (a number for Unix times); elsewhere the value is text, and it is
 * only ever digits, `-`, `:`, `T`, `Z` and a space: nothing that can change the meaning
 * of the SOQL, JQL or search syntax around it.
 */
function fillTemplate(template: JsonValue, value: string | number): JsonValue {
  if (typeof template === 'string') return template === '{value}' ? value : template.replaceAll('{value}', String(value));
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, value));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, fillTemplate(item, value)]));
  }
  return template;
}

function formatValue(since: string, format: ValueFormat): string | number {
  const ms = Date.parse(since);
  switch (format) {
    case 'unix-seconds':
      return Math.floor(ms / 1000);
    case 'unix-millis':
      return ms;
    case 'iso8601':
      return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
    case 'jql-datetime':
      return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  }
}

// ---- reading an answer ----

/**
 * What the provider's answer to `request` means: its records, the next request (absent
 * at the end) and the highest cursor value among the records. Throws `PagingError` for an
 * answer of the wrong shape, or one that would page in place.
 */
export function interpretPage(context: PagingContext, request: PageRequest, response: ProviderResponse): Page {
  const { stream } = context;
  if (response.status < 200 || response.status > 299) {
    throw new PagingError('status', `the provider answered ${response.status}; only a 2xx answer carries records`);
  }
  if (stream.graphql) graphqlErrors(response.body);
  let records = recordsOf(stream, response.body);
  const cursors = records.map((record) => cursorValueOf(stream, record));
  let ended = false;

  // newest-first: once a record is older than the checkpoint, so is everything after it.
  if (stream.incremental.kind === 'newest-first' && context.mode.kind === 'incremental') {
    const since = sinceOf(context);
    if (since !== undefined) {
      const bound = Date.parse(since);
      const kept = cursors.findIndex((at) => at! < bound);
      if (kept >= 0) {
        records = records.slice(0, kept);
        cursors.length = kept;
        ended = true;
      }
    }
  }

  const maxCursorValue = stream.cursorField ? latest(cursors as number[]) : undefined;
  const page: Page = { records, ...(maxCursorValue !== undefined ? { maxCursorValue } : {}) };
  if (ended) return page;
  const next = nextRequest(context, request, response, records);
  if (next) page.next = next;
  return page;
}

function nextRequest(context: PagingContext, request: PageRequest, response: ProviderResponse, records: PageRecord[]): PageRequest | undefined {
  const { stream } = context;
  const paging = stream.pagination;
  const body = response.body;
  const position = request.position;
  const seen = position.seen + records.length;
  const queryMax = maxOf(position.maxCursorValue, records.length > 0 && stream.cursorField ? maxCursorOf(stream, records) : undefined);
  const moved = (changes: Partial<PagePosition>): PagePosition => ({
    ...position,
    seen,
    ...(queryMax !== undefined ? { maxCursorValue: queryMax } : {}),
    ...changes,
  });

  switch (paging.kind) {
    case 'none':
      return undefined;

    case 'link-header': {
      const link = headerOf(response.headers, 'link');
      const target = link ? nextLink(link) : undefined;
      if (target === undefined) return undefined;
      return followUrl(context, request, target, moved({}));
    }

    case 'next-url': {
      const done = paging.done ? booleanAt(body, paging.done) : undefined;
      const target = valueAt(body, paging.next);
      if (done === true) return undefined;
      if (target === undefined || target === null || target === '') {
        if (done === false) throw new PagingError('shape', `${paging.done!.join('.')} is false but ${paging.next.join('.')} holds no URL`);
        return undefined;
      }
      if (typeof target !== 'string') throw new PagingError('shape', `${paging.next.join('.')} must be a URL string`);
      return followUrl(context, request, target, moved({}));
    }

    case 'cursor': {
      if (paging.hasMore && booleanAt(body, paging.hasMore) === false) return undefined;
      const cursor = cursorAt(body, paging.next);
      if (cursor === undefined) return undefined;
      if (cursor === position.cursor) throw repeated(`${paging.next.join('.')} is the cursor this page was asked with`);
      if (paging.queryLimit !== undefined && seen + pageSizeOf(context) > paging.queryLimit) {
        return restart(context, position, queryMax, paging.queryLimit);
      }
      return buildRequest(context, moved({ cursor }));
    }

    case 'has-more': {
      const more = booleanAt(body, paging.hasMore);
      if (more === undefined) throw new PagingError('shape', `${paging.hasMore.join('.')} must be true or false`);
      if (!more) return undefined;
      const last = records.at(-1);
      if (!last) throw new PagingError('shape', `${paging.hasMore.join('.')} is true but the page has no records to continue after`);
      const id = keyAt(last, paging.lastId ?? stream.primaryKey);
      if (id === undefined) throw new PagingError('record', `the last record has no ${(paging.lastId ?? stream.primaryKey).join('.')}`);
      if (id === position.cursor) throw repeated(`the last record is ${id} again`);
      return buildRequest(context, moved({ cursor: id }));
    }

    case 'offset':
    case 'page': {
      if (records.length === 0 || pageEnded(context, paging.end, body, records.length, seen)) return undefined;
      if (paging.kind === 'offset') return buildRequest(context, moved({ offset: (position.offset ?? 0) + records.length }));
      return buildRequest(context, moved({ page: (position.page ?? paging.first) + 1 }));
    }

    case 'graphql-page-info': {
      const info = valueAt(body, paging.pageInfo);
      if (!isObject(info)) throw new PagingError('shape', `${paging.pageInfo.join('.')} must be a pageInfo object`);
      if (typeof info.hasNextPage !== 'boolean') throw new PagingError('shape', `${paging.pageInfo.join('.')}.hasNextPage must be true or false`);
      if (!info.hasNextPage) return undefined;
      if (typeof info.endCursor !== 'string' || info.endCursor === '') {
        throw new PagingError('shape', `${paging.pageInfo.join('.')}.hasNextPage is true but endCursor is empty`);
      }
      if (info.endCursor === position.cursor) throw repeated(`${paging.pageInfo.join('.')}.endCursor is the cursor this page was asked with`);
      return buildRequest(context, moved({ cursor: info.endCursor }));
    }
  }
}

/**
 * Starts a query again past a provider's per-query result limit, its filter moved to the
 * highest cursor value seen. Records at that value come again (the sync keys records by
 * their primary key); if the value did not move, more records share one value than one
 * query can answer, and no restart can get past them.
 */
function restart(context: PagingContext, position: PagePosition, queryMax: string | undefined, limit: number): PageRequest {
  const incremental = context.stream.incremental;
  if (incremental.kind !== 'filter' || queryMax === undefined) {
    throw new PagingError('cursor-stalled', `the provider answers at most ${limit} results per query and this stream cannot restart it`);
  }
  // Compared as the filter will read them: to the second (or minute), as numbers or as fixed-width text.
  const moves = position.since === undefined || formatValue(queryMax, incremental.format) > formatValue(position.since, incremental.format);
  if (!moves) {
    throw new PagingError('cursor-stalled', `more than ${limit} records share the cursor value ${queryMax}: the query cannot move past them`);
  }
  return buildRequest(context, { seen: 0, since: queryMax, maxCursorValue: queryMax });
}

function pageEnded(
  context: PagingContext,
  end: Extract<Stream['pagination'], { kind: 'offset' }>['end'],
  body: unknown,
  count: number,
  seen: number,
): boolean {
  switch (end.kind) {
    case 'total': {
      const total = valueAt(body, end.path);
      if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) throw new PagingError('shape', `${end.path.join('.')} must be a count`);
      return seen >= total;
    }
    case 'last-flag':
    case 'more-flag': {
      const flag = booleanAt(body, end.path);
      if (flag === undefined) throw new PagingError('shape', `${end.path.join('.')} must be true or false`);
      return end.kind === 'last-flag' ? flag : !flag;
    }
    case 'short-page':
      return count < pageSizeOf(context);
  }
}

/** A URL the provider gave (Link header, next-URL field), resolved and held under the base URL. */
function followUrl(context: PagingContext, request: PageRequest, target: string, position: PagePosition): PageRequest {
  const base = new URL(context.baseUrl);
  let url: URL;
  try {
    url = new URL(target, base);
  } catch {
    throw new PagingError('next-url', 'the next page’s URL is not a URL');
  }
  const basePath = base.pathname.replace(/\/$/, '');
  const under = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
  if (url.protocol !== 'https:' || url.origin !== base.origin || url.username || url.password || !under) {
    // The connection's credentials go with every request: a next URL elsewhere would hand them over.
    throw new PagingError('next-url', `the next page’s URL ${url.origin}${url.pathname} is not under ${base.origin}${basePath}`);
  }
  if (url.toString() === request.url) throw repeated('the next page’s URL is this page’s');
  return { method: 'GET', url: url.toString(), position };
}

/** RFC 8288: the target of the link whose rel includes `next`. */
function nextLink(header: string): string | undefined {
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]!);
    const values = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (values.includes('next')) return match[1]!;
  }
  return undefined;
}

function recordsOf(stream: Stream, body: unknown): PageRecord[] {
  const found = stream.records.path.length === 0 ? body : valueAt(body, stream.records.path);
  const where = stream.records.path.join('.') || 'the answer';
  if (!Array.isArray(found)) throw new PagingError('shape', `${where} must be an array of records`);
  return found.map((item, i) => {
    let record: unknown = item;
    if (stream.records.node !== undefined) {
      record = isObject(item) && Object.hasOwn(item, stream.records.node) ? item[stream.records.node] : undefined;
    }
    if (!isObject(record)) throw new PagingError('record', `${where}[${i}]${stream.records.node ? `.${stream.records.node}` : ''} must be an object`);
    if (keyAt(record, stream.primaryKey) === undefined) {
      throw new PagingError('record', `${where}[${i}] has no ${stream.primaryKey.join('.')} (its primary key)`);
    }
    return record;
  });
}

/** The record's cursor value in epoch milliseconds; undefined for streams without a cursor field. */
function cursorValueOf(stream: Stream, record: PageRecord): number | undefined {
  const field = stream.cursorField;
  if (!field) return undefined;
  const raw = valueAt(record, field.path);
  const at = field.format === 'iso8601' ? (typeof raw === 'string' ? parseInstant(raw) : undefined) : unixTime(raw, field.format);
  if (at === undefined) {
    throw new PagingError('cursor-value', `record ${keyAt(record, stream.primaryKey)} has no ${field.format} time at ${field.path.join('.')}`);
  }
  return at;
}

function maxCursorOf(stream: Stream, records: PageRecord[]): string | undefined {
  return latest(records.map((record) => cursorValueOf(stream, record)!));
}

/** The latest of epoch-millisecond times as ISO 8601 (a loop: a spread of 10,000 arguments is close to engines' limits). */
function latest(times: number[]): string | undefined {
  let max: number | undefined;
  for (const at of times) if (max === undefined || at > max) max = at;
  return max === undefined ? undefined : new Date(max).toISOString();
}

function maxOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Shopify answers 200 with `errors` (THROTTLED among them): never read that as an empty page. */
function graphqlErrors(body: unknown): void {
  if (!isObject(body) || !Array.isArray(body.errors) || body.errors.length === 0) return;
  const codes = body.errors
    .map((e) => (isObject(e) && isObject(e.extensions) && typeof e.extensions.code === 'string' ? e.extensions.code : undefined))
    .filter((c): c is string => c !== undefined);
  throw new PagingError('graphql-errors', `the GraphQL answer carries errors${codes.length ? ` (${[...new Set(codes)].join(', ')})` : ''}`);
}

function repeated(what: string): PagingError {
  return new PagingError('cursor-repeated', `${what}: following it would read the same page forever`);
}

// ---- JSON and time ----

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

function booleanAt(value: unknown, path: readonly string[]): boolean | undefined {
  const found = valueAt(value, path);
  return typeof found === 'boolean' ? found : undefined;
}

/** A cursor the provider gave: a non-empty string, or a number sent back as text (absent, null or empty: no more pages). */
function cursorAt(value: unknown, path: readonly string[]): string | undefined {
  const found = valueAt(value, path);
  if (found === undefined || found === null || found === '') return undefined;
  if (typeof found === 'string') return found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  throw new PagingError('shape', `${path.join('.')} must be a cursor string`);
}

/** A record key: a non-empty string or a number, as text. */
function keyAt(record: PageRecord, path: readonly string[]): string | undefined {
  const found = valueAt(record, path);
  if (typeof found === 'string' && found !== '') return found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return undefined;
}

function headerOf(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * An ISO 8601 time with a zone, in epoch milliseconds: `2024-01-02T03:04:05Z`, `…+00:00`,
 * and Salesforce's and Jira's `…+0000`. A time without a zone is refused: read as local
 * time it would move with the server's time zone.
 */
export function parseInstant(text: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/i.exec(text);
  if (!match) return undefined;
  const zone = match[3]!.toUpperCase() === 'Z' ? 'Z' : match[3]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
  const time = match[2]!.replace(/\.(\d{1,3})\d*$/, '.$1');
  const ms = Date.parse(`${match[1]}T${time}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function unixTime(raw: unknown, format: 'unix-seconds' | 'unix-millis'): number | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  const ms = format === 'unix-seconds' ? n * 1000 : n;
  // Beyond ±8.64e15 ms a Date is invalid, and toISOString throws.
  return Number.isFinite(ms) && ms >= 0 && ms <= maxTime ? ms : undefined;
}

const maxTime = 8.64e15;
