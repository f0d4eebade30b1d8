import type { AuthorizerContext } from '../platform/principal';
import { Conflict, Invalid, NotFound, Unauthenticated } from '../platform/errors';
import { newId } from '../platform/ids';
import { changeRecords, operatorAudit, type Audit } from '../platform/audit';
import type { ApiKey, ApiKeyCreated, ApiKeyInput } from './schema';
import { tenantIdPattern } from './schema';
import { displayPrefix, generateKeySecret, hashKey, keyFromAuthorization, keyMatches } from './keys';
import * as store from './store';

export interface TenancyDeps extends store.TenancyStore {
  now?: () => Date;
}

const nowIso = (deps: TenancyDeps) => (deps.now?.() ?? new Date()).toISOString();

export async function createTenant(deps: TenancyDeps, name: string, id: string = newId('ten'), by = 'admin-cli') {
  if (!tenantIdPattern.test(id)) throw new Invalid(`"${id}" is not a valid tenant id`);
  const tenant = { id, name, createdAt: nowIso(deps) };
  const audit = operatorAudit(id, by, 'tenant.create');
  const created = await store.putTenant(deps, tenant, changeRecords(deps.table, audit, id, tenant.createdAt, 201));
  return { tenant: created ? tenant : (await store.getTenant(deps, id))!, created };
}

/**
 * Issues a key for a tenant. `secret` is only passed by the local runtime, which
 * provisions a key the developer chose (LOCAL_API_KEY); everyone else gets a random one.
 * `issuedBy`: the key asking, over the API. It must still be live when the new key is
 * written: the authorizer's verdict is cached for 60 s, and a revoked key must not spend
 * that time minting keys that outlive its revocation.
 */
export async function createApiKey(
  deps: TenancyDeps,
  audit: Audit,
  input: ApiKeyInput,
  secret: string = generateKeySecret(),
  issuedBy?: string,
): Promise<ApiKeyCreated> {
  const tenantId = audit.tenantId;
  const item: store.ApiKeyItem = {
    id: newId('key'),
    tenantId,
    name: input.name,
    prefix: displayPrefix(secret),
    scopes: input.scopes,
    hash: hashKey(secret),
    createdAt: nowIso(deps),
    revokedAt: null,
  };
  const also = [...(issuedBy ? [store.liveKeyCheck(deps.table, tenantId, issuedBy)] : []), ...changeRecords(deps.table, audit, item.id, item.createdAt, 201)];
  if (!(await store.putApiKey(deps, item, also))) {
    if (issuedBy) {
      const issuer = await store.getApiKey(deps, tenantId, issuedBy);
      if (!issuer || issuer.revokedAt) throw new Unauthenticated('this API key was revoked');
    }
    throw new Conflict(
      (await store.getTenant(deps, tenantId))
        ? 'that key is already provisioned'
        : `tenant "${tenantId}" does not exist`,
    );
  }
  return { ...toApiKey(item), secret };
}

export async function listApiKeys(
  deps: TenancyDeps,
  tenantId: string,
  query: { limit: number; cursor?: string; status?: 'active' | 'revoked' },
) {
  const { items, nextCursor } = await store.listApiKeys(deps, tenantId, query);
  return { data: items.map(toApiKey), nextCursor };
}

export async function getApiKey(deps: TenancyDeps, tenantId: string, keyId: string) {
  const item = await store.getApiKey(deps, tenantId, keyId);
  if (!item) throw new NotFound(`no API key ${keyId}`);
  return toApiKey(item);
}

/** Revoking is idempotent: a second revoke answers the key as revoked the first time. */
export async function revokeApiKey(deps: TenancyDeps, audit: Audit, keyId: string) {
  const at = nowIso(deps);
  const item = await store.revokeApiKey(deps, audit.tenantId, keyId, at, changeRecords(deps.table, audit, keyId, at));
  if (!item) throw new NotFound(`no API key ${keyId}`);
  return toApiKey(item);
}

/** The authorizer's verdict for an Authorization header. Never throws for bad keys. */
export async function authenticate(
  deps: TenancyDeps,
  authorization: string | undefined,
): Promise<AuthorizerContext> {
  const presented = keyFromAuthorization(authorization);
  if (!presented) return { failure: 'send an API key as "Authorization: Bearer <key>"' };
  if (!presented.startsWith('jh_')) return { failure: 'that is not a Junction API key (jh_…)' };
  const lookup = await store.findKeyByHash(deps, hashKey(presented));
  if (!lookup || !keyMatches(presented, lookup.hash)) return { failure: 'unknown API key' };
  if (lookup.revokedAt) return { failure: 'this API key was revoked' };
  return { tenantId: lookup.tenantId, keyId: lookup.keyId, scopes: lookup.scopes.join(' ') };
}

function toApiKey(item: store.ApiKeyItem): ApiKey {
  return {
    id: item.id,
    name: item.name,
    prefix: item.prefix,
    scopes: item.scopes,
    createdAt: item.createdAt,
    revokedAt: item.revokedAt ?? null,
  };
}
