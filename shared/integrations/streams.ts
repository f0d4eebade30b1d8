import * as z from 'zod';
import { pathTemplateProblem, placeholdersOf } from './templates';
import { compilePattern, compiles, Pattern } from './vocabulary';

/**
 * Streams as data: what a sync reads from a provider, where the records are in each answer,
 * how the next page is asked for, how "changed since" is asked for, and how deletions show.
 * Built-ins and tenants' custom integrations are checked by the same schemas, and
 * shared/syncs/paging.ts is the one interpreter of them: nothing here is code per provider.
 *
 * Every value a stream sends comes from this definition, from a param checked against its
 * pattern, or from a value paging.ts formats itself (a date, a cursor the provider gave);
 * none is ever spliced into a query language from user input.
 */

/** A key in a provider's JSON answer or a request body. Walked with own-property checks only. */
const Key = z.string().regex(/^[A-Za-z0-9_$@-]{1,64}$/, 'must be a JSON key (letters, digits, _ $ @ -)');
/** Keys from the top of a JSON document down to a value: `["paging", "next", "after"]`. */
export const FieldPath = z.array(Key).min(1).max(8);
/** A query parameter name as providers spell them, brackets included (Stripe's `created[gte]`). */
const QueryName = z.string().regex(/^[A-Za-z0-9_.\-[\]]{1,64}$/, 'must be a query parameter name');
/** GraphQL names (spec §2.1.9). */
const GraphQLName = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]{0,63}$/, 'must be a GraphQL name');

/**
 * Query parameter names that carry credentials or sessions. Credentials travel only as
 * the integration's auth says (its header, its one query parameter): a fixed query value
 * would be a secret stored in plain text, and would end up in every log that prints URLs.
 */
const secretQueryNames = new Set([
  'accesstoken', 'apikey', 'apitoken', 'auth', 'authorization', 'authtoken', 'bearer', 'clientsecret', 'code',
  'credentials', 'hapikey', 'idtoken', 'jwt', 'key', 'passwd', 'password', 'privatekey', 'pwd', 'refreshtoken',
  'secret', 'session', 'sessionid', 'sessiontoken', 'sig', 'signature', 'token',
]);
export const isSecretQueryName = (name: string) => secretQueryNames.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));

/**
 * A JSON value written in a definition (a request body, a GraphQL variable, a filter
 * template). Checked by hand rather than with a recursive schema, so that a body nested
 * thousands of levels deep is a 400, not a stack overflow.
 */
const maxJsonDepth = 8;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const Json = z.unknown().superRefine((value, ctx) => {
  const problem = jsonProblem(value, 0);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}) as z.ZodType<JsonValue>;
const JsonObject = z.record(z.string(), Json);

/**
 * Where a request carries a value: a query parameter, a field of the JSON body (a POST
 * search API), or a GraphQL variable (the body's `variables`).
 */
export const RequestField = z.discriminatedUnion('in', [
  z.strictObject({ in: z.literal('query'), name: QueryName }),
  z.strictObject({ in: z.literal('body'), path: FieldPath }),
  z.strictObject({ in: z.literal('variable'), name: GraphQLName }),
]);
export type RequestField = z.infer<typeof RequestField>;

/**
 * A value a stream's user gives when syncing it (GitHub's `owner` and `repo`). It fills
 * `{name}` in the path (percent-encoded) or a whole query value or GraphQL variable, so
 * like a connection param its pattern is required and always matched whole.
 */
export const StreamParam = z
  .strictObject({
    name: z.string().regex(/^[a-z][A-Za-z0-9]{0,63}$/, 'must be camelCase, starting with a lowercase letter'),
    label: z.string().trim().min(1).max(100),
    pattern: Pattern,
    hint: z.string().min(1).max(200).optional(),
    maxLength: z.number().int().min(1).max(255),
    required: z.boolean(),
    /** A valid value, shown in docs and used by tests to build every request. */
    example: z.string().min(1).max(255),
  })
  .superRefine((param, ctx) => {
    if (compiles(param.pattern) && !compilePattern(param.pattern).test(param.example)) {
      ctx.addIssue({ code: 'custom', path: ['example'], message: "must match the param's own pattern" });
    }
    if (param.example.length > param.maxLength) ctx.addIssue({ code: 'custom', path: ['example'], message: 'is longer than maxLength' });
  });
export type StreamParam = z.infer<typeof StreamParam>;

/**
 * How a record's modification time is written: ISO 8601 with a zone (`Z`, `+00:00`,
 * Salesforce's `+0000`), or Unix seconds or milliseconds (numbers or digit strings).
 */
export const cursorFormats = ['iso8601', 'unix-seconds', 'unix-millis'] as const;
/**
 * How a "since" value is written into a request. Values are always rounded down (to the
 * second, or the minute for `jql-datetime`), so a filter asks for a little more, never less.
 * `jql-datetime` is Jira's `yyyy-MM-dd HH:mm`, read in the Jira user's time zone.
 */
export const valueFormats = ['iso8601', 'unix-seconds', 'unix-millis', 'jql-datetime'] as const;
export type ValueFormat = (typeof valueFormats)[number];

export const CursorField = z.strictObject({ path: FieldPath, format: z.enum(cursorFormats) });

/**
 * How a stream asks for records changed since the last sync's checkpoint:
 * - `filter`: a request field carries the value (GitHub `since`, Stripe `created[gte]`); a
 *   `template` places it in a larger value (`updated_at:>='{value}'`, a SOQL query, a
 *   HubSpot filter group). In an incremental sync the field replaces any fixed value of the
 *   same name, so a full sync can send a filter-free form of it. `on: created` says the
 *   provider filters on creation only (Stripe): changes to older records are not seen.
 * - `newest-first`: the provider cannot filter but sorts by the cursor field, newest first;
 *   paging stops at the first record older than the checkpoint.
 * - `none`: every sync reads everything.
 */
export const Incremental = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('filter'),
    field: RequestField,
    format: z.enum(valueFormats),
    template: Json.optional(),
    on: z.enum(['modified', 'created']),
  }),
  z.strictObject({ kind: z.literal('newest-first') }),
  z.strictObject({ kind: z.literal('none') }),
]);

/**
 * How the provider shows that a record was deleted: a field on the record that still comes
 * back (Salesforce `IsDeleted` through queryAll); a webhook event, since the record itself
 * stops coming back; a full sync's missing records; or not at all.
 */
export const Deletions = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('flag'), field: FieldPath, value: z.union([z.string().min(1).max(100), z.number(), z.boolean()]) }),
  z.strictObject({
    kind: z.literal('tombstone-event'),
    events: z.array(z.string().regex(/^[A-Za-z0-9_.:/-]{1,100}$/, 'must be an event name')).min(1).max(10),
  }),
  z.strictObject({ kind: z.literal('full-refresh-diff') }),
  z.strictObject({ kind: z.literal('none') }),
]);

/** When offset and page numbering end: a total count of records, a flag, or a short page. */
export const PageEnd = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('total'), path: FieldPath }),
  /** True on the last page (Jira `isLast`). */
  z.strictObject({ kind: z.literal('last-flag'), path: FieldPath }),
  /** True while more pages follow (Pipedrive v1 `more_items_in_collection`). */
  z.strictObject({ kind: z.literal('more-flag'), path: FieldPath }),
  /** Fewer records than the page size. */
  z.strictObject({ kind: z.literal('short-page') }),
]);

/**
 * How the next page is asked for. Every kind refuses an answer whose "next" would ask for
 * the page it just got (paging.ts): a sync that never ends while reporting success is
 * Nango #7159.
 */
export const Pagination = z.discriminatedUnion('kind', [
  /** RFC 8288 `Link: <…>; rel="next"` (GitHub, GitLab). */
  z.strictObject({ kind: z.literal('link-header') }),
  /**
   * An opaque cursor from the answer sent back as `param`. `queryLimit`: the provider
   * answers at most this many results per query (HubSpot search: 10,000); past it, paging
   * starts the query again with the filter moved to the highest cursor value seen, so the
   * stream must sort by its cursor field ascending.
   */
  z.strictObject({
    kind: z.literal('cursor'),
    param: RequestField,
    next: FieldPath,
    hasMore: FieldPath.optional(),
    queryLimit: z.number().int().min(1).max(1_000_000).optional(),
  }),
  /** Stripe: `has_more`, and the next page starts after the last record's id (`lastId`, by default the primary key). */
  z.strictObject({ kind: z.literal('has-more'), param: RequestField, hasMore: FieldPath, lastId: FieldPath.optional() }),
  z.strictObject({ kind: z.literal('offset'), param: RequestField, end: PageEnd }),
  z.strictObject({ kind: z.literal('page'), param: RequestField, first: z.union([z.literal(0), z.literal(1)]), end: PageEnd }),
  /** A body field holding the next page's URL (Salesforce `nextRecordsUrl`), which must stay under the base URL. */
  z.strictObject({ kind: z.literal('next-url'), next: FieldPath, done: FieldPath.optional() }),
  /** Relay connections: `pageInfo { hasNextPage endCursor }` at `pageInfo`, the cursor sent as `$cursorVariable`. */
  z.strictObject({ kind: z.literal('graphql-page-info'), pageInfo: FieldPath, cursorVariable: GraphQLName }),
  /** The answer holds every record. */
  z.strictObject({ kind: z.literal('none') }),
]);

/** The records of an answer: the array at `path` (`[]`: the answer is the array), each element's `node` for GraphQL edges. */
export const Records = z.strictObject({ path: z.array(Key).max(8), node: Key.optional() });

export const maxStreams = 50;
/** Page sizes providers allow top out around 10,000 (Salesforce's batches are 2,000). */
export const maxPageSize = 10_000;

export const Stream = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be lowercase snake_case'),
    description: z.string().trim().min(1).max(300),
    method: z.enum(['GET', 'POST']),
    /** Appended to the connection's base URL; `{placeholders}` name stream or connection params. */
    path: z.string().superRefine((path, ctx) => {
      const problem = pathTemplateProblem(path) ?? (path.includes('?') ? 'must not have a query string: put fixed parameters in query' : undefined);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    params: z.array(StreamParam).max(10).optional(),
    /** Fixed query parameters; a value may be exactly one `{param}`, never part of a string. */
    query: z.record(z.string(), z.string().max(2000)).optional(),
    /** A POST's fixed JSON body (HubSpot and Intercom search). */
    body: JsonObject.optional(),
    /** A GraphQL POST: the query text and its fixed variables (a variable may be exactly one `{param}`). */
    graphql: z.strictObject({ query: z.string().min(1).max(10_000), variables: JsonObject.optional() }).optional(),
    records: Records,
    primaryKey: FieldPath,
    cursorField: CursorField.optional(),
    incremental: Incremental,
    /** Subtracted from the checkpoint before filtering: for records that become visible late, or coarse provider clocks. */
    lookbackSeconds: z.number().int().min(0).max(7 * 86_400).optional(),
    deletions: Deletions,
    pagination: Pagination,
    /** Records per page: `max` is the provider's limit; without `field` it is a fixed size nobody sets. */
    pageSize: z.strictObject({ field: RequestField.optional(), max: z.number().int().min(1).max(maxPageSize) }).optional(),
  })
  .superRefine((stream, ctx) => {
    // A fresh path for each issue: zod prefixes issue paths in place as they bubble up.
    for (const problem of streamProblems(stream)) ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
  });
export type Stream = z.output<typeof Stream>;
export type StreamInput = z.input<typeof Stream>;

export const Streams = z.array(Stream).max(maxStreams);

export interface Problem {
  path: Array<string | number>;
  message: string;
}

/** The rules one stream obeys on its own. */
function streamProblems(stream: Stream): Problem[] {
  return [...requestProblems(stream), ...paramProblems(stream), ...fieldProblems(stream), ...incrementalProblems(stream), ...paginationProblems(stream)];
}

/** A GET sends nothing but its URL; a POST sends a fixed body or a GraphQL query. */
function requestProblems(stream: Stream): Problem[] {
  const problems: Problem[] = [];
  const graphql = stream.graphql;
  if (stream.method === 'GET' && (stream.body || graphql)) problems.push({ path: ['method'], message: 'a GET sends no body: use POST, or drop body and graphql' });
  if (stream.method === 'POST' && !stream.body && !graphql) problems.push({ path: ['method'], message: 'a POST needs a body or a graphql query' });
  if (stream.body && graphql) problems.push({ path: ['graphql'], message: 'a stream sends either body or graphql, not both' });
  for (const [name, value] of Object.entries(stream.query ?? {})) {
    const problem = !QueryName.safeParse(name).success
      ? 'is not a query parameter name'
      : isSecretQueryName(name)
        ? 'must not carry credentials: authentication is the integration’s auth'
        : queryValueProblem(value);
    if (problem) problems.push({ path: ['query', name], message: problem });
  }
  for (const [name, value] of Object.entries(graphql?.variables ?? {})) {
    const path = ['graphql', 'variables', name];
    if (!GraphQLName.safeParse(name).success) problems.push({ path, message: 'is not a GraphQL name' });
    else if (!declaresVariable(graphql!.query, name)) problems.push({ path, message: `is not declared as $${name} in the query` });
    if (!(typeof value === 'string' && wholePlaceholder(value)) && placeholdersIn(value).length > 0) {
      problems.push({ path, message: 'may be exactly one {param}, never part of a string' });
    }
  }
  return problems;
}

/** Params are unique, used, and required wherever a request cannot be built without them. */
function paramProblems(stream: Stream): Problem[] {
  const problems: Problem[] = [];
  const params = stream.params ?? [];
  const names = params.map((p) => p.name);
  if (new Set(names).size !== names.length) problems.push({ path: ['params'], message: 'param names must be unique' });
  const inPath = new Set(placeholdersOf(stream.path));
  const inValues = new Set(wholeValuesOf(stream).map(([, name]) => name));
  params.forEach((param, i) => {
    if (!inPath.has(param.name) && !inValues.has(param.name)) {
      problems.push({ path: ['params', i, 'name'], message: 'is not used by the path, a query value or a variable' });
    }
    if (inPath.has(param.name) && !param.required) problems.push({ path: ['params', i, 'required'], message: 'must be true for a param in the path' });
  });
  return problems;
}

/** Each request field lands where the request has room for it, and none silently overrides another. */
function fieldProblems(stream: Stream): Problem[] {
  const problems: Problem[] = [];
  const fields: Array<[Array<string | number>, RequestField]> = [];
  const pagination = stream.pagination;
  if ('param' in pagination) fields.push([['pagination', 'param'], pagination.param]);
  if (pagination.kind === 'graphql-page-info') fields.push([['pagination', 'cursorVariable'], { in: 'variable', name: pagination.cursorVariable }]);
  if (stream.pageSize?.field) fields.push([['pageSize', 'field'], stream.pageSize.field]);
  if (stream.incremental.kind === 'filter') fields.push([['incremental', 'field'], stream.incremental.field]);
  const fixed = new Set([
    ...Object.keys(stream.query ?? {}).map((n) => `query:${n}`),
    ...Object.keys(stream.graphql?.variables ?? {}).map((n) => `variable:${n}`),
    ...Object.keys(stream.body ?? {}).map((n) => `body:${n}`),
  ]);
  const seen = new Map<string, string>();
  for (const [path, field] of fields) {
    const problem = fieldProblem(stream, field);
    if (problem) problems.push({ path, message: problem });
    const key = fieldKey(field);
    const other = seen.get(key);
    if (other) problems.push({ path, message: `sends the same field as ${other}` });
    seen.set(key, path.join('.'));
    // The filter may replace a fixed value (a full sync sends the filter-free form); paging and page size may not.
    if (path[0] !== 'incremental' && overlapsFixed(field, fixed)) problems.push({ path, message: 'is also a fixed value of the request' });
  }
  return problems;
}

function incrementalProblems(stream: Stream): Problem[] {
  const problems: Problem[] = [];
  const incremental = stream.incremental;
  if (incremental.kind === 'filter' && incremental.template === undefined && incremental.field.in === 'body') {
    problems.push({ path: ['incremental', 'template'], message: 'is required for a body field (the value sits inside a filter object)' });
  }
  if (incremental.kind === 'filter' && incremental.template !== undefined) {
    const path = ['incremental', 'template'];
    if (incremental.field.in === 'query' && typeof incremental.template !== 'string') problems.push({ path, message: 'must be a string for a query parameter' });
    const placeholders = placeholdersIn(incremental.template);
    if (!placeholders.includes('value')) problems.push({ path, message: 'must place {value}' });
    const other = placeholders.find((p) => p !== 'value');
    if (other) problems.push({ path, message: `may use only {value}, not {${other}}` });
  }
  if (incremental.kind !== 'none' && !stream.cursorField) problems.push({ path: ['cursorField'], message: `is required for incremental ${incremental.kind}` });
  if (incremental.kind === 'none' && stream.lookbackSeconds !== undefined) {
    problems.push({ path: ['lookbackSeconds'], message: 'has no effect without incremental syncs' });
  }
  return problems;
}

function paginationProblems(stream: Stream): Problem[] {
  const problems: Problem[] = [];
  const pagination = stream.pagination;
  if ((pagination.kind === 'link-header' || pagination.kind === 'next-url') && stream.method !== 'GET') {
    problems.push({ path: ['pagination', 'kind'], message: 'follows a URL the provider gives, which is fetched with GET' });
  }
  if (pagination.kind === 'graphql-page-info' && !stream.graphql) problems.push({ path: ['pagination', 'kind'], message: 'needs a graphql query' });
  if (pagination.kind === 'cursor' && pagination.queryLimit !== undefined) {
    const path = ['pagination', 'queryLimit'];
    if (stream.incremental.kind !== 'filter') {
      problems.push({ path, message: 'restarts the query from the highest cursor value, which needs an incremental filter' });
    }
    if (stream.pageSize && pagination.queryLimit < stream.pageSize.max) problems.push({ path, message: 'must be at least the page size' });
  }
  if ((pagination.kind === 'offset' || pagination.kind === 'page') && pagination.end.kind === 'short-page' && !stream.pageSize) {
    problems.push({ path: ['pagination', 'end'], message: 'short-page needs a pageSize to compare with' });
  }
  if (pagination.kind === 'offset' && !stream.pageSize) {
    problems.push({ path: ['pageSize'], message: 'is required for offset paging (the next offset counts records)' });
  }
  if (stream.records.node !== undefined && stream.records.path.length === 0) problems.push({ path: ['records', 'node'], message: 'needs a path to the edges' });
  return problems;
}

/**
 * The rules that need the whole definition: unique names, path placeholders that name a
 * param, params that do not shadow connection params, and a size a stored item can hold.
 */
export function streamsProblems(
  streams: readonly Stream[],
  definition: { connectionParams: readonly string[]; apiKeyQueryName?: string },
): Problem[] {
  const problems: Problem[] = [];
  const names = streams.map((s) => s.name);
  if (new Set(names).size !== names.length) problems.push({ path: ['streams'], message: 'stream names must be unique' });
  const connection = new Set(definition.connectionParams);
  streams.forEach((stream, i) => {
    const own = new Set((stream.params ?? []).map((p) => p.name));
    const used: Array<[Array<string | number>, string]> = [
      ...placeholdersOf(stream.path).map((name) => [['path'], name] as [Array<string | number>, string]),
      ...wholeValuesOf(stream),
    ];
    for (const [path, name] of used) {
      if (!own.has(name) && !connection.has(name)) {
        problems.push({ path: ['streams', i, ...path], message: `uses {${name}}, which is neither a stream param nor a connection param` });
      }
    }
    (stream.params ?? []).forEach((param, j) => {
      if (connection.has(param.name) || param.name === 'baseUrl') {
        problems.push({ path: ['streams', i, 'params', j, 'name'], message: 'is already a connection param' });
      }
    });
    const apiKey = definition.apiKeyQueryName;
    if (apiKey) {
      for (const name of requestQueryNames(stream)) {
        if (name === apiKey) problems.push({ path: ['streams', i, 'query', name], message: 'is where the API key travels' });
      }
    }
  });
  // A custom integration is one DynamoDB item (at most 400 KB) with the rest of its definition.
  const size = jsonBytes(streams, 0);
  if (size !== undefined && size > maxStreamsBytes) {
    problems.push({ path: ['streams'], message: `take ${size} bytes as JSON; at most ${maxStreamsBytes} fit` });
  }
  return problems;
}
export const maxStreamsBytes = 200_000;

// ---- helpers ----

function fieldProblem(stream: Stream, field: RequestField): string | undefined {
  if (field.in === 'query' && isSecretQueryName(field.name)) return 'must not carry credentials: authentication is the integration’s auth';
  if (field.in === 'body' && !stream.body) return 'is in the body, but the stream sends no body';
  if (field.in === 'variable') {
    if (!stream.graphql) return 'is a GraphQL variable, but the stream sends no graphql query';
    if (!declaresVariable(stream.graphql.query, field.name)) return `is not declared as $${field.name} in the query`;
  }
  return undefined;
}

function fieldKey(field: RequestField): string {
  return field.in === 'body' ? `body:${field.path.join('.')}` : `${field.in}:${field.name}`;
}

/** A body field overlaps a fixed one when either path is a prefix of the other. */
function overlapsFixed(field: RequestField, fixed: Set<string>): boolean {
  if (field.in !== 'body') return fixed.has(fieldKey(field));
  return fixed.has(`body:${field.path[0]}`);
}

function requestQueryNames(stream: Stream): string[] {
  const names = Object.keys(stream.query ?? {});
  const p = stream.pagination;
  for (const field of ['param' in p ? p.param : undefined, stream.pageSize?.field, stream.incremental.kind === 'filter' ? stream.incremental.field : undefined]) {
    if (field?.in === 'query') names.push(field.name);
  }
  return names;
}

function queryValueProblem(value: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  if (!wholePlaceholder(value) && /\{[A-Za-z][A-Za-z0-9]*\}/.test(value)) return 'may be exactly one {param}, never part of a string';
  return undefined;
}

/** The query values and GraphQL variables that are exactly one `{param}`, with where they are. */
function wholeValuesOf(stream: Stream): Array<[Array<string | number>, string]> {
  const found: Array<[Array<string | number>, string]> = [];
  for (const [name, value] of Object.entries(stream.query ?? {})) {
    const whole = wholePlaceholder(value);
    if (whole) found.push([['query', name], whole]);
  }
  for (const [name, value] of Object.entries(stream.graphql?.variables ?? {})) {
    const whole = typeof value === 'string' ? wholePlaceholder(value) : undefined;
    if (whole) found.push([['graphql', 'variables', name], whole]);
  }
  return found;
}

/** `{owner}` → `owner`: a value that is exactly one placeholder. */
export function wholePlaceholder(value: string): string | undefined {
  return /^\{([a-z][A-Za-z0-9]{0,63})\}$/.exec(value)?.[1];
}

/** Every `{name}` in the strings of a JSON value. */
function placeholdersIn(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((m) => m[1]!);
  if (Array.isArray(value)) return value.flatMap(placeholdersIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(placeholdersIn);
  return [];
}

/** Whether a GraphQL operation declares `$name` (a cheap check: a typo'd variable is a 400, not a provider error at sync time). */
function declaresVariable(query: string, name: string): boolean {
  return new RegExp(`\\$${name}\\s*:`).test(query);
}

function jsonProblem(value: unknown, depth: number): string | undefined {
  if (depth > maxJsonDepth) return `must be JSON nested at most ${maxJsonDepth} levels deep`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must be JSON';
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) {
      const problem = jsonProblem(item, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return 'must be JSON';
}

/**
 * The size of a value as JSON, or undefined when it is nested deeper than any valid stream
 * (JSON values are refused past eight levels): JSON.stringify would overflow the stack on
 * the deep values this check exists to refuse.
 */
function jsonBytes(value: unknown, depth: number): number | undefined {
  if (depth > maxJsonDepth + 8) return undefined;
  if (value === null || typeof value !== 'object') return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
  const entries = Array.isArray(value) ? value.map((item) => ['', item] as const) : Object.entries(value);
  let size = 2 + Math.max(0, entries.length - 1);
  for (const [key, item] of entries) {
    const inner = jsonBytes(item, depth + 1);
    if (inner === undefined) return undefined;
    size += inner + (Array.isArray(value) ? 0 : Buffer.byteLength(JSON.stringify(key), 'utf8') + 1);
  }
  return size;
}

