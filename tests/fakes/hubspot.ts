import { bearerToken, intParam, iso, startProvider, type Answer, type FakeProvider, type ProviderRecord } from './provider';

/**
 * HubSpot's CRM objects API (https://developers.hubspot.com/docs/api-reference/latest/overview),
 * under its legacy path (`/crm/v3/objects/{type}`) and its date-versioned one
 * (`/crm/objects/2026-03/{type}`), which answer alike:
 *
 * - `GET …/{type}` (`limit` ≤ 100, 10 by default; `after`, an opaque cursor;
 *   `properties`; `archived`): `{ results, paging: { next: { after, link } } }`, by id;
 * - `POST …/{type}/search` with `filterGroups` (`GTE`/`GT`/`LTE`/`LT`/`EQ`
 *   on a property; dates as epoch milliseconds or ISO), `sorts`, `limit` ≤ 200 and `after`;
 *   `{ total, results, paging }`; it never pages past 10,000 results;
 * - 429 with `{ errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" }` and the
 *   `X-HubSpot-RateLimit-*` headers (FACTS); 401 `EXPIRED_AUTHENTICATION` for an expired token.
 *
 * Records: collections `contacts`, `companies`, `deals`; each record's `properties` are its
 * other fields, with `createdate` and the type's modification property filled in
 * (`lastmodifieddate` on contacts, `hs_lastmodifieddate` on the others).
 */
export interface FakeHubSpot extends FakeProvider {
  add(type: ObjectType, properties?: Record<string, unknown>, at?: number): ProviderRecord;
}

export type ObjectType = 'contacts' | 'companies' | 'deals';
export const modifiedProperty = (type: string) => (type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate');
const searchLimit = 10_000;

const failure = (status: number, category: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Answer => ({
  status,
  headers,
  body: { status: 'error', message, correlationId: '4f1c6a52-0000-4000-8000-000000000000', category, ...extra },
});

export async function startFakeHubSpot(): Promise<FakeHubSpot> {
  let sequence = 100;
  const fake = (await startProvider({
    tokenOf: bearerToken,
    fault(fault) {
      if (fault === 'rate-limit') {
        return {
          status: 429,
          headers: { 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' },
          body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: '4f1c6a52-0000-4000-8000-000000000001', policyName: 'TEN_SECONDLY_ROLLING' },
        };
      }
      if (fault === 'expired-token') return failure(401, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired 1 minute(s) ago.');
      if (fault === 'wrong-shape') return { status: 200, body: { results: 'none' } };
      return failure(500, 'INTERNAL_ERROR', 'internal error');
    },
    handle(request, provider) {
      const match = /^\/crm\/(?:v3\/objects|objects\/\d{4}-\d{2})\/(contacts|companies|deals)(\/search)?$/.exec(request.path);
      if (!match) return failure(404, 'OBJECT_NOT_FOUND', `Unable to infer object type from: ${request.path}`);
      const [, type, search] = match;
      const all = [...provider.records(type!)].sort((a, b) => Number(a.id) - Number(b.id));
      const render = (record: ProviderRecord) => ({
        id: record.id,
        properties: { ...(record.properties as object), hs_object_id: record.id, createdate: iso(record.created), [modifiedProperty(type!)]: iso(record.updated) },
        createdAt: iso(record.created),
        updatedAt: iso(record.updated),
        archived: false,
      });
      const page = (matching: ProviderRecord[], after: number, limit: number, link: boolean) => {
        const next = after + limit;
        const more = next < matching.length && (!search || next < searchLimit);
        return {
          ...(search ? { total: matching.length } : {}),
          results: matching.slice(after, next).map(render),
          ...(more ? { paging: { next: { after: String(next), ...(link ? { link: `${provider.publicUrl}${request.path}?after=${next}` } : {}) } } } : {}),
        };
      };
      if (!search && request.method === 'GET') {
        const limit = intParam(request.query, 'limit', 10, 1, 100);
        const after = intParam(request.query, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
        if (limit === undefined || after === undefined) return failure(400, 'VALIDATION_ERROR', 'Invalid input: limit or after');
        return { status: 200, body: page(all, after, limit, true) };
      }
      if (search && request.method === 'POST') {
        let body: { filterGroups?: Array<{ filters?: Array<{ propertyName: string; operator: string; value: string }> }>; sorts?: Array<string | { propertyName: string; direction?: string }>; limit?: number; after?: string };
        try {
          body = JSON.parse(request.body || '{}');
        } catch {
          return failure(400, 'VALIDATION_ERROR', 'Invalid input JSON');
        }
        const limit = body.limit ?? 10;
        const after = Number(body.after ?? 0);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200 || !Number.isInteger(after) || after < 0) return failure(400, 'VALIDATION_ERROR', 'Invalid input: limit or after');
        if (after >= searchLimit) return failure(400, 'VALIDATION_ERROR', 'There was a problem with the request.', { message: 'paging past 10000 results is not supported' });
        const valueOf = (record: ProviderRecord, property: string) =>
          property === modifiedProperty(type!) ? record.updated : property === 'createdate' ? record.created : Number((record.properties as Record<string, unknown>)?.[property]);
        const asNumber = (value: string) => (/^\d+$/.test(value) ? Number(value) : Date.parse(value));
        const tests: Record<string, (a: number, b: number) => boolean> = { GTE: (a, b) => a >= b, GT: (a, b) => a > b, LTE: (a, b) => a <= b, LT: (a, b) => a < b, EQ: (a, b) => a === b };
        const groups = body.filterGroups ?? [];
        let matching = all.filter((record) => groups.length === 0 || groups.some((group) => (group.filters ?? []).every((f) => tests[f.operator]?.(valueOf(record, f.propertyName), asNumber(f.value)) ?? false)));
        const sort = body.sorts?.[0];
        if (sort) {
          const property = typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
          const descending = typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING';
          matching = matching.sort((a, b) => (descending ? -1 : 1) * (valueOf(a, property) - valueOf(b, property) || Number(a.id) - Number(b.id)));
        }
        return { status: 200, body: page(matching, after, limit, false) };
      }
      return failure(405, 'VALIDATION_ERROR', `${request.method} is not allowed on ${request.path}`);
    },
  })) as FakeHubSpot;
  fake.add = (type, properties = {}, at = Date.now()) => {
    const record: ProviderRecord = { id: String(++sequence), created: at, updated: at, properties };
    fake.records(type).push(record);
    return record;
  };
  return fake;
}
