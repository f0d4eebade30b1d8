import { clientDeleteIfAny } from '../oauth/store';
import { changeRecords, type Audit } from '../platform/audit';
import { isConditionFailed } from '../platform/dynamodb';
import { Conflict, Invalid, NotFound, PreconditionFailed, type FieldError } from '../platform/errors';
import { queryPage, transact, type TableStore } from '../platform/items';
import { IntegrationDefinition, type Integration } from './schema';
import { customKey, getCustomIntegration, integrationCountKey, tenantPk, type CustomItem } from './custom-items';
import { builtInKeys, customIntegrations, maxCustomIntegrations } from './tenant-catalog';
import { definitionMovesSecrets } from './service';

/**
 * Writing tenants' own integrations: every definition is checked by the same schema as
 * the built-ins before it is stored (reading them is `tenant-catalog.ts`).
 *
 * The limit is a condition on the tenant's integration count, raised in the create's own
 * transaction: counting first and writing after let 12 concurrent creates at 96 all pass.
 */
export async function createCustomIntegration(store: TableStore, audit: Audit, definition: Integration, now = new Date()) {
  if (builtInKeys.has(definition.key)) throw new Conflict(`"${definition.key}" is a built-in integration; choose another key`);
  await ensureIntegrationCount(store, audit.tenantId);
  const at = now.toISOString();
  const item: CustomItem = { definition, version: 1, createdAt: at, updatedAt: at, connections: 0 };
  const created = await transact(store, [
    { Put: { TableName: store.table, Item: { ...customKey(audit.tenantId, definition.key), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Update: {
        TableName: store.table,
        Key: integrationCountKey(audit.tenantId),
        UpdateExpression: 'ADD #count :one',
        ConditionExpression: '#count < :max',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':max': maxCustomIntegrations },
      },
    },
    ...changeRecords(store.table, audit, definition.key, at, 201),
  ]);
  if (!created) {
    if (await getCustomIntegration(store, audit.tenantId, definition.key)) throw new Conflict(`the custom integration "${definition.key}" already exists`);
    const { Item } = await store.db.get({ TableName: store.table, Key: integrationCountKey(audit.tenantId), ConsistentRead: true });
    if (Number(Item?.count ?? 0) >= maxCustomIntegrations) throw new Conflict(`a tenant may define at most ${maxCustomIntegrations} custom integrations`);
    // The Idempotency-Key commit's condition failed: nothing was written.
    throw new Conflict('the integration was not created: a concurrent request with the same Idempotency-Key took over; retry');
  }
  return item;
}

/**
 * Applies a JSON merge of top-level fields (`key` cannot change) and validates the result
 * as a whole, as if it were created anew.
 */
export async function updateCustomIntegration(
  store: TableStore,
  audit: Audit,
  key: string,
  ifMatch: number,
  patch: Record<string, unknown>,
  now = new Date(),
) {
  const current = await getCustomIntegration(store, audit.tenantId, key);
  if (!current) throw new NotFound(builtInKeys.has(key) ? `"${key}" is built in and cannot be changed` : `there is no custom integration "${key}"`);
  if (current.version !== ifMatch) throw stale(key, ifMatch, current.version);
  if ('key' in patch && patch.key !== key) throw new Invalid('an integration key cannot change', [{ field: 'body.key', message: 'cannot change' }]);
  const merged = Object.fromEntries(
    Object.entries({ ...current.definition, ...patch }).filter(([, value]) => value !== null),
  );
  const definition = parseDefinition(merged);
  const moved = await connectionMovedBy(store, audit.tenantId, current.definition, definition);
  if (moved) {
    throw new Conflict(
      `this change would send the stored secrets of connection ${moved} (and any other using "${key}") to another host; ` +
        'delete the connections that use it first, or define the new hosts as a new integration',
    );
  }
  const at = now.toISOString();
  const updated = await transact(store, [
    {
      Update: {
        TableName: store.table,
        Key: customKey(audit.tenantId, key),
        UpdateExpression: 'SET #definition = :definition, updatedAt = :at ADD #version :one',
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#definition': 'definition', '#version': 'version' },
        ExpressionAttributeValues: { ':definition': definition, ':at': at, ':one': 1, ':expected': ifMatch },
      },
    },
    ...changeRecords(store.table, audit, key, at),
  ]);
  if (!updated) throw stale(key, ifMatch, ifMatch + 1);
  return { ...current, definition, version: ifMatch + 1, updatedAt: at };
}

/**
 * Deletes a custom integration no connection uses any more, with the tenant's OAuth client
 * for it (its sealed secret would otherwise go to the token URL of a later integration
 * with the same key).
 *
 * Connections made since connections were counted are covered by the condition
 * `connections = 0`, in the same transaction as the delete; a connection created
 * concurrently either raised it first (this delete fails) or finds the item gone (that
 * create fails). The query finds connections made before they were counted (no new ones
 * can be made uncounted) and names one in the refusal.
 */
export async function deleteCustomIntegration(store: TableStore, audit: Audit, key: string, now = new Date()) {
  if (builtInKeys.has(key)) throw new NotFound(`"${key}" is built in and cannot be deleted`);
  if (!(await getCustomIntegration(store, audit.tenantId, key))) throw new NotFound(`there is no custom integration "${key}"`);
  const user = await connectionUsing(store, audit.tenantId, key);
  if (user) throw inUse(key, user);
  await ensureIntegrationCount(store, audit.tenantId);
  const at = now.toISOString();
  const deleted = await transact(store, [
    {
      Delete: {
        TableName: store.table,
        Key: customKey(audit.tenantId, key),
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(connections) OR connections = :none)',
        ExpressionAttributeValues: { ':none': 0 },
      },
    },
    {
      Update: {
        TableName: store.table,
        Key: integrationCountKey(audit.tenantId),
        UpdateExpression: 'ADD #count :minusOne',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':minusOne': -1 },
      },
    },
    clientDeleteIfAny(store.table, audit.tenantId, key),
    ...changeRecords(store.table, audit, key, at, 204),
  ]);
  if (deleted) return;
  if (!(await getCustomIntegration(store, audit.tenantId, key))) throw new NotFound(`there is no custom integration "${key}"`);
  throw inUse(key, await connectionUsing(store, audit.tenantId, key));
}

/**
 * The first connection whose stored secrets a new definition would send to another host:
 * credentials are write-only, and no change, not even an admin's to the integration, may
 * redirect them (see `definitionMovesSecrets`).
 */
async function connectionMovedBy(store: TableStore, tenantId: string, before: Integration, after: Integration): Promise<string | undefined> {
  let cursor: string | undefined;
  do {
    const page = await queryPage<{ id: string; authType: string; params: Record<string, string> }>(store, {
      pk: tenantPk(tenantId),
      prefix: 'CONN#',
      limit: 100,
      equals: { integration: before.key },
      ...(cursor ? { cursor } : {}),
    });
    const moved = page.items.find((connection) => definitionMovesSecrets(before, after, connection.authType, connection.params ?? {}));
    if (moved) return moved.id;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return undefined;
}

async function connectionUsing(store: TableStore, tenantId: string, key: string): Promise<string | undefined> {
  const { items } = await queryPage<{ id: string }>(store, { pk: tenantPk(tenantId), prefix: 'CONN#', limit: 1, equals: { integration: key }, readAhead: false });
  return items[0]?.id;
}

function inUse(key: string, example: string | undefined) {
  return new Conflict(`connections still use "${key}"${example ? ` (for example ${example})` : ''}; delete them first`);
}

/**
 * Gives a tenant that has no integration count yet (it defined integrations before the
 * count existed, or none at all) one, from a consistent count of its integrations. Every
 * create and delete changes the count under the condition that it exists, so none can
 * happen between the first such count and its write: the count is exact. Concurrent
 * first counts are equal; the first write wins, the others find it there.
 */
async function ensureIntegrationCount(store: TableStore, tenantId: string) {
  const { Item } = await store.db.get({ TableName: store.table, Key: integrationCountKey(tenantId), ConsistentRead: true });
  if (Item) return;
  const count = (await customIntegrations(store, tenantId, { consistent: true })).length;
  try {
    await store.db.put({
      TableName: store.table,
      Item: { ...integrationCountKey(tenantId), count },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
  }
}

/** The schema's verdict as a 400 with every field named under `body.`. */
export function parseDefinition(value: unknown): Integration {
  const parsed = IntegrationDefinition.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => ({ field: ['body', ...issue.path.map(String), k].join('.'), message: 'unknown field' }))
      : [{ field: ['body', ...issue.path.map(String)].join('.'), message: issue.message }],
  );
  throw new Invalid(`the integration definition has ${errors.length} problem${errors.length === 1 ? '' : 's'}`, errors);
}

function stale(key: string, expected: number, actual: number) {
  return new PreconditionFailed(`integration ${key} is at version ${actual}, not ${expected}; read it again and retry`);
}
