import { bearerToken, startProvider, type Answer, type FakeProvider, type ProviderRecord } from './provider';

/**
 * Salesforce's REST query resource
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm):
 *
 * - `GET /services/data/vNN.N/query?q=<SOQL>`: `{ totalSize, done, nextRecordsUrl?, records }`,
 *   each record with `attributes: { type, url }`; batches of 2,000, or what the
 *   `Sforce-Query-Options: batchSize=n` header asks (200–2,000); the rest through
 *   `nextRecordsUrl` (`/services/data/vNN.N/query/<locator>-<offset>`);
 * - `queryAll` includes deleted records (`IsDeleted: true`), `query` leaves them out;
 * - the SOQL a sync sends: `SELECT f, … FROM Object [WHERE SystemModstamp > or >= literal]
 *   [ORDER BY SystemModstamp ASC|DESC] [LIMIT n]`; anything else → 400 MALFORMED_QUERY;
 * - `Sforce-Limit-Info: api-usage=n/limit` on every answer; 403 REQUEST_LIMIT_EXCEEDED at
 *   the limit; 401 INVALID_SESSION_ID for an expired session (FACTS).
 *
 * Records: a collection per object (`Account`, `Contact`, …); fields as given, with `Id`,
 * `SystemModstamp` (the record's `updated`) and `IsDeleted`.
 */
export interface FakeSalesforce extends FakeProvider {
  add(object: string, fields?: Record<string, unknown>, at?: number): ProviderRecord;
  /** API calls used today, against `dailyLimit`. */
  used: number;
  dailyLimit: number;
}

const version = /^\/services\/data\/v\d+\.\d$/;
const errors = (status: number, errorCode: string, message: string, headers: Record<string, string> = {}): Answer => ({ status, headers, body: [{ message, errorCode }] });
/** Salesforce's datetime format: `2024-05-01T10:00:00.000+0000`. */
const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

interface Locator {
  object: string;
  fields: string[];
  matching: ProviderRecord[];
}

export async function startFakeSalesforce(): Promise<FakeSalesforce> {
  let sequence = 0;
  const locators = new Map<string, Locator>();
  const fake = (await startProvider({
    tokenOf: bearerToken,
    fault(fault, provider) {
      const salesforce = provider as FakeSalesforce;
      if (fault === 'rate-limit') return errors(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', { 'sforce-limit-info': `api-usage=${salesforce.dailyLimit}/${salesforce.dailyLimit}` });
      if (fault === 'expired-token') return errors(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      if (fault === 'wrong-shape') return { status: 200, body: { totalSize: 1, done: true, records: { Id: 'x' } } };
      return errors(500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234-5678 (-1)');
    },
    handle(request, provider) {
      const salesforce = provider as FakeSalesforce;
      salesforce.used += 1;
      const usage = { 'sforce-limit-info': `api-usage=${salesforce.used}/${salesforce.dailyLimit}` };
      if (salesforce.used > salesforce.dailyLimit) return errors(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.', usage);
      const base = request.path.replace(/\/(query|queryAll)(\/.*)?$/, '');
      const resource = /\/(query|queryAll)(?:\/([^/]+))?$/.exec(request.path);
      if (!version.test(base) || !resource || request.method !== 'GET') return errors(404, 'NOT_FOUND', 'The requested resource does not exist', usage);
      const batch = Math.min(2000, Math.max(200, Number(/batchSize=(\d+)/.exec(String(request.headers['sforce-query-options'] ?? ''))?.[1] ?? 2000)));
      const [, kind, next] = resource;
      let locatorId: string;
      let offset: number;
      if (next) {
        const [id, at] = [next.slice(0, next.lastIndexOf('-')), Number(next.slice(next.lastIndexOf('-') + 1))];
        if (!locators.has(id) || !Number.isInteger(at)) return errors(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator', usage);
        [locatorId, offset] = [id, at];
      } else {
        const parsed = parseSoql(request.query.get('q') ?? '');
        if (typeof parsed === 'string') return errors(400, 'MALFORMED_QUERY', parsed, usage);
        let matching = salesforce.records(parsed.object).filter((record) => kind === 'queryAll' || !record.IsDeleted);
        if (parsed.since) matching = matching.filter((record) => (parsed.since!.inclusive ? record.updated >= parsed.since!.at : record.updated > parsed.since!.at));
        matching = [...matching].sort((a, b) => (parsed.descending ? -1 : 1) * (a.updated - b.updated || (a.id < b.id ? -1 : 1)));
        if (parsed.limit !== undefined) matching = matching.slice(0, parsed.limit);
        locatorId = `01gD0000002HU6K${String(locators.size).padStart(3, '0')}`;
        locators.set(locatorId, { object: parsed.object, fields: parsed.fields, matching });
        offset = 0;
      }
      const locator = locators.get(locatorId)!;
      const end = offset + batch;
      const done = end >= locator.matching.length;
      return {
        status: 200,
        headers: usage,
        body: {
          totalSize: locator.matching.length,
          done,
          ...(done ? {} : { nextRecordsUrl: `${base}/${kind}/${locatorId}-${end}` }),
          records: locator.matching.slice(offset, end).map((record) => ({
            attributes: { type: locator.object, url: `${base}/sobjects/${locator.object}/${record.id}` },
            ...Object.fromEntries(locator.fields.map((field) => [field, valueOf(record, field)])),
          })),
        },
      };
    },
  })) as FakeSalesforce;
  fake.used = 0;
  fake.dailyLimit = 100_000;
  fake.add = (object, fields = {}, at = Date.now()) => {
    const record: ProviderRecord = { id: `001${String(++sequence).padStart(15, '0')}`, created: at, updated: at, IsDeleted: false, ...fields };
    fake.records(object).push(record);
    return record;
  };
  return fake;
}

function valueOf(record: ProviderRecord, field: string): unknown {
  if (field === 'Id') return record.id;
  if (field === 'SystemModstamp' || field === 'LastModifiedDate') return stamp(record.updated);
  if (field === 'CreatedDate') return stamp(record.created);
  return record[field] ?? null;
}

/** The SOQL a sync sends, or why it is malformed. */
function parseSoql(soql: string): { fields: string[]; object: string; since?: { at: number; inclusive: boolean }; descending: boolean; limit?: number } | string {
  const match = /^SELECT\s+(.+?)\s+FROM\s+(\w+)(?:\s+WHERE\s+SystemModstamp\s*(>=|>)\s*(\S+))?(?:\s+ORDER\s+BY\s+SystemModstamp(?:\s+(ASC|DESC))?)?(?:\s+LIMIT\s+(\d+))?\s*$/i.exec(soql.trim());
  if (!match) return `unexpected token in: ${soql.slice(0, 80)}`;
  const [, fields, object, operator, literal, direction, limit] = match;
  const at = literal ? Date.parse(literal.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : undefined;
  if (literal && (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(literal))) return `value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes`;
  return {
    fields: fields!.split(',').map((field) => field.trim()),
    object: object!,
    ...(at !== undefined ? { since: { at, inclusive: operator === '>=' } } : {}),
    descending: direction?.toUpperCase() === 'DESC',
    ...(limit ? { limit: Number(limit) } : {}),
  };
}
