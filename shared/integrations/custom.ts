import { changeRecords, type Audit } from '../platform/audit';
import { Conflict, Invalid, NotFound, PreconditionFailed, type FieldError } from '../platform/errors';
import { queryPage, transact, type TableStore } from '../platform/items';
import { builtInIntegrations } from './catalog/index';
import { IntegrationDefinition, type Integration } from './schema';
import { builtInKeys, catalogFor, customKey, getCustomIntegration, maxCustomIntegrations, tenantPk, type CustomItem } from './tenant-catalog';

/**
 * Writing tenants' own integrations: every definition is checked by the same schema as
 * the built-ins before it is stored (reading them is `tenant-catalog.ts`).
 */
export async function createCustomIntegration(store: TableStore, audit: Audit, definition: Integration, now = new Date()) {
  if (builtInKeys.has(definition.key)) throw new Conflict(`"${definition.key}" is a built-in integration; choose another key`);
  const catalog = await catalogFor(store, audit.tenantId);
  if (catalog.length - builtInIntegrations.length >= maxCustomIntegrations) {
    throw new Conflict(`a tenant may define at most ${maxCustomIntegrations} custom integrations`);
  }
  const at = now.toISOString();
  const item: CustomItem = { definition, version: 1, createdAt: at, updatedAt: at };
  const created = await transact(store, [
    { Put: { TableName: store.table, Item: { ...customKey(audit.tenantId, definition.key), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ...changeRecords(store.table, audit, definition.key, at, 201),
  ]);
  if (!created) throw new Conflict(`the custom integration "${definition.key}" already exists`);
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

/** Deletes a custom integration no connection uses any more. */
export async function deleteCustomIntegration(store: TableStore, audit: Audit, key: string, now = new Date()) {
  if (builtInKeys.has(key)) throw new NotFound(`"${key}" is built in and cannot be deleted`);
  const { items } = await queryPage<{ id: string }>(store, {
    pk: tenantPk(audit.tenantId),
    prefix: 'CONN#',
    limit: 1,
    equals: { integration: key },
  });
  if (items.length > 0) throw new Conflict(`connections still use "${key}" (for example ${items[0]!.id}); delete them first`);
  const at = now.toISOString();
  const deleted = await transact(store, [
    { Delete: { TableName: store.table, Key: customKey(audit.tenantId, key), ConditionExpression: 'attribute_exists(pk)' } },
    ...changeRecords(store.table, audit, key, at, 204),
  ]);
  if (!deleted) throw new NotFound(`there is no custom integration "${key}"`);
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
