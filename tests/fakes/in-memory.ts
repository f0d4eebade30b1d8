import { isDeepStrictEqual } from 'node:util';
import type { ConnectionItem, ConnectionStore, CredentialsItem } from '../../shared/connections/store';
import type { Integration } from '../../shared/integrations/schema';
import type { IntegrationSource } from '../../shared/integrations/tenant-catalog';
import type { OAuthClientItem, OAuthStore, SessionItem } from '../../shared/oauth/store';
import { Conflict } from '../../shared/platform/errors';
import type { TransactItem } from '../../shared/platform/items';
import type { Sealed, Vault, VaultContext } from '../../shared/vault/vault';

/**
 * In-memory stand-ins for Junction's own stores, for unit tests of the services: each
 * keeps its items in maps and implements its port's conditions as the DynamoDB store does.
 *
 * One `FakeTable` runs the transactions of all of them, so a transaction that spans two
 * domains (a connect session's outcome committed with the connection it made) applies all
 * of its items or none. A store's own item carries what its condition checks and what it
 * changes; any other item (an audit entry, an event, an Idempotency-Key commit) is kept as
 * written, for the test to read.
 */
export class FakeTable {
  readonly table = 'main';
  /** Every item of every committed transaction, in order. */
  readonly written: TransactItem[] = [];
  /** Each committed transaction, its items named: a fake store's by its label, another domain's by its sort-key prefix (`AUDIT#`). */
  readonly transactions: string[][] = [];
  private readonly effects = new WeakMap<TransactItem, { holds: () => boolean; apply: () => void }>();
  private failures: Error[] = [];

  /** An item of a fake store: `holds` is its condition, `apply` its change. */
  item(label: string, holds: () => boolean, apply: () => void): TransactItem {
    const item: TransactItem = { ConditionCheck: { TableName: this.table, Key: { pk: 'FAKE', sk: label }, ConditionExpression: 'fake' } };
    this.effects.set(item, { holds, apply });
    return item;
  }

  /** Undefined when it committed, else the positions of the items whose conditions failed. */
  commit(items: TransactItem[]): number[] | undefined {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const failed = items.flatMap((item, index) => (this.effects.get(item)?.holds() === false ? [index] : []));
    if (failed.length) return failed;
    for (const item of items) this.effects.get(item)?.apply();
    this.written.push(...items);
    this.transactions.push(items.map(nameOf));
    return undefined;
  }

  /** The next transaction throws this instead of committing (the table failing). */
  failNext(error: Error) {
    this.failures.push(error);
  }

  /** The committed items of other domains put under this sort-key prefix (`AUDIT#`, `EVENT#`). */
  puts(prefix: string): Array<Record<string, unknown>> {
    return this.written.flatMap((item) => (item.Put && String(item.Put.Item?.sk).startsWith(prefix) ? [item.Put.Item as Record<string, unknown>] : []));
  }

  audits() {
    return this.puts('AUDIT#');
  }

  events() {
    return this.puts('EVENT#').map((event) => ({ type: event.type, data: event.data }));
  }
}

function nameOf(item: TransactItem): string {
  if (item.ConditionCheck?.Key?.pk === 'FAKE') return String(item.ConditionCheck.Key.sk);
  const key = item.Put?.Item?.sk ?? item.Update?.Key?.sk ?? item.Delete?.Key?.sk ?? item.ConditionCheck?.Key?.sk;
  return `${String(key).split('#')[0]}#`;
}

const copy = <T>(value: T): T => structuredClone(value);

/** The connections store in memory. `calls` counts each method's calls. */
export function fakeConnectionStore(table = new FakeTable()) {
  const connections = new Map<string, ConnectionItem>();
  const credentials = new Map<string, CredentialsItem>();
  /** Custom integrations deleted since their connections were checked: counting into them fails. */
  const deletedIntegrations = new Set<string>();
  const calls: Record<string, number> = {};
  const key = (tenantId: string, id: string) => `${tenantId}/${id}`;
  const counted = <A extends unknown[], R>(name: string, run: (...args: A) => R) => (...args: A): R => {
    calls[name] = (calls[name] ?? 0) + 1;
    return run(...args);
  };
  /** Commits `items`, and `also` after them, as one transaction; true when it committed. */
  const commit = (items: TransactItem[], also: TransactItem[]) => table.commit([...items, ...also]) === undefined;

  const store: ConnectionStore = {
    table: table.table,
    create: counted('create', async (tenantId, connection, sealed, also, custom) => {
      const at = key(tenantId, connection.id);
      const put = table.item(
        `create ${at}`,
        () => !connections.has(at),
        () => {
          connections.set(at, copy({ ...connection, ...(custom ? { countedByIntegration: true } : {}) }));
          credentials.set(at, copy(sealed));
        },
      );
      const count = table.item(`count into ${connection.integration}`, () => !deletedIntegrations.has(connection.integration), () => {});
      const failed = table.commit([put, ...(custom ? [count] : []), ...also]);
      if (!failed) return;
      if (custom && failed.includes(1)) throw new Conflict(`there is no integration "${connection.integration}": it was deleted while the connection was being created`);
      throw new Conflict('the connection was not created: a concurrent request changed what it depends on; retry');
    }),
    get: counted('get', async (tenantId, id) => copy(connections.get(key(tenantId, id)))),
    getCredentials: counted('getCredentials', async (tenantId, id) => copy(credentials.get(key(tenantId, id)))),
    list: counted('list', async (tenantId, query) => {
      const items = [...connections.entries()]
        .filter(([at, c]) => at.startsWith(`${tenantId}/`) && (!query.integration || c.integration === query.integration) && (!query.status || c.status === query.status))
        .map(([, c]) => copy(c))
        .sort((a, b) => (a.id < b.id ? 1 : -1));
      return { items: items.slice(0, query.limit), nextCursor: null };
    }),
    update: counted('update', async (tenantId, id, expectedVersion, changes, sealed, also) => {
      const at = key(tenantId, id);
      const change = table.item(
        `update ${at}`,
        () => connections.get(at)?.version === expectedVersion,
        () => {
          const current = connections.get(at)!;
          connections.set(at, { ...current, ...copy(changes), version: current.version + 1 });
          if (sealed) credentials.set(at, copy(sealed));
        },
      );
      if (commit([change], also)) return 'updated';
      return connections.has(at) ? 'stale' : 'missing';
    }),
    reauthorize: counted('reauthorize', async (tenantId, id, changes, sealed, also, expectedVersion) => {
      const at = key(tenantId, id);
      const change = table.item(
        `reauthorize ${at}`,
        () => connections.has(at) && (expectedVersion === undefined || connections.get(at)!.version === expectedVersion),
        () => {
          const current = connections.get(at)!;
          connections.set(at, { ...current, ...copy(changes), version: current.version + 1 });
          credentials.set(at, copy(sealed));
        },
      );
      return commit([change], also);
    }),
    delete: counted('delete', async (tenantId, connection, also) => {
      const at = key(tenantId, connection.id);
      const remove = table.item(
        `delete ${at}`,
        () => connections.has(at),
        () => {
          connections.delete(at);
          credentials.delete(at);
        },
      );
      return commit([remove], also);
    }),
    recordTest: counted('recordTest', async (tenantId, id, testedVersion, outcome, status, health, also) => {
      const at = key(tenantId, id);
      const record = table.item(
        `record test of ${at}`,
        () => connections.get(at)?.version === testedVersion,
        () => connections.set(at, { ...connections.get(at)!, lastTest: copy(outcome), status, health: copy(health) }),
      );
      if (commit([record], also)) return true;
      if (also.length) commit([], also);
      return false;
    }),
    acquireRefreshLease: counted('acquireRefreshLease', async (item, owner, now, until) => {
      const at = key(item.tenantId, item.connectionId);
      const current = credentials.get(at);
      if (!current || (current.generation ?? 0) !== (item.generation ?? 0)) return false;
      if (current.leaseUntil !== undefined && current.leaseUntil >= now.getTime()) return false;
      credentials.set(at, { ...current, leaseOwner: owner, leaseUntil: until.getTime() });
      return true;
    }),
    storeRefreshedTokens: counted('storeRefreshedTokens', async (item, owner, connection) => {
      const at = key(item.tenantId, item.connectionId);
      const change = table.item(
        `store tokens of ${at}`,
        () => credentials.get(at)?.leaseOwner === owner && connections.has(at),
        () => {
          credentials.set(at, copy(item));
          const current = connections.get(at)!;
          connections.set(at, { ...current, oauth: { ...current.oauth!, tokenExpiresAt: connection.tokenExpiresAt }, health: copy(connection.health) });
        },
      );
      return commit([change], []);
    }),
    recordRefreshFailure: counted('recordRefreshFailure', async (tenantId, id, owner, failure, connection, also) => {
      const at = key(tenantId, id);
      const change = table.item(
        `record refresh failure of ${at}`,
        () => credentials.get(at)?.leaseOwner === owner && (!connection || connections.has(at)),
        () => {
          const { leaseOwner: _owner, leaseUntil: _until, ...rest } = credentials.get(at)!;
          const kept = failure.permanent ? { ...rest, gsi1pk: undefined, gsi1sk: undefined } : rest;
          credentials.set(at, { ...kept, refreshError: failure.error, refreshFailures: failure.failures, refreshRetryAt: failure.retryAt });
          if (connection) connections.set(at, { ...connections.get(at)!, ...copy(connection) });
        },
      );
      return commit([change], also);
    }),
    expiringCredentials: counted('expiringCredentials', async (until) =>
      [...credentials.values()].filter((c) => c.gsi1sk !== undefined && c.gsi1sk <= until).map(copy),
    ),
  };
  return {
    store,
    table,
    calls,
    connections,
    credentials,
    deletedIntegrations,
    connection: (tenantId: string, id: string) => connections.get(key(tenantId, id)),
    credentialsOf: (tenantId: string, id: string) => credentials.get(key(tenantId, id)),
    /** Puts a connection and its credentials in place, as if made earlier. */
    seed(tenantId: string, connection: ConnectionItem, sealed: CredentialsItem) {
      connections.set(key(tenantId, connection.id), copy(connection));
      credentials.set(key(tenantId, connection.id), copy(sealed));
    },
  };
}

/** OAuth's store in memory: clients and connect sessions. */
export function fakeOAuthStore(table = new FakeTable()) {
  const clients = new Map<string, OAuthClientItem>();
  const sessions = new Map<string, SessionItem>();
  const finish = (id: string, from: SessionItem['status'], outcome: Parameters<OAuthStore['sessionFinish']>[2]) =>
    table.item(
      `finish session ${id}`,
      () => sessions.get(id)?.status === from,
      () => sessions.set(id, { ...sessions.get(id)!, status: outcome.status, error: outcome.error ?? null, errorDescription: outcome.errorDescription ?? null, ...(outcome.connectionId ? { connectionId: outcome.connectionId } : {}) }),
    );
  const store: OAuthStore = {
    table: table.table,
    getClient: async (tenantId, integration) => copy(clients.get(`${tenantId}/${integration}`)),
    putClient: async (tenantId, item, also) => !table.commit([table.item(`client ${item.integration}`, () => true, () => clients.set(`${tenantId}/${item.integration}`, copy(item))), ...also]),
    deleteClient: async (tenantId, integration, also) => {
      const at = `${tenantId}/${integration}`;
      return !table.commit([table.item(`delete client ${integration}`, () => clients.has(at), () => clients.delete(at)), ...also]);
    },
    createSession: async (item, also) => !table.commit([table.item(`session ${item.id}`, () => !sessions.has(item.id), () => sessions.set(item.id, copy(item))), ...also]),
    getSession: async (id) => copy(sessions.get(id)),
    claimSession: async (id, now) => {
      const session = sessions.get(id);
      if (session?.status !== 'pending' || session.validUntil <= now.toISOString()) return false;
      sessions.set(id, { ...session, status: 'exchanging' });
      return true;
    },
    finishSession: async (id, from, outcome) => !table.commit([finish(id, from, outcome)]),
    sessionFinish: finish,
  };
  return { store, table, clients, sessions };
}

/**
 * A vault that seals without a key: the "ciphertext" is the secret and its context, base64.
 * It keeps the real vault's one promise the services rely on: `open` refuses a ciphertext
 * under any other context than the one it was sealed for.
 */
export function fakeVault(): Vault & { opened: number } {
  const vault = {
    currentKeyId: 'fake-key',
    opened: 0,
    async seal(secret: unknown, context: VaultContext): Promise<Sealed> {
      return { ciphertext: Buffer.from(JSON.stringify({ secret, context })).toString('base64'), keyId: 'fake-key', context };
    },
    async open<T>(sealed: Sealed, context: VaultContext): Promise<T> {
      vault.opened++;
      const { secret, context: sealedFor } = JSON.parse(Buffer.from(sealed.ciphertext, 'base64').toString()) as { secret: T; context: VaultContext };
      if (!isDeepStrictEqual(sealedFor, context)) throw new Error('the ciphertext belongs to another context');
      return secret;
    },
  };
  return vault;
}

/** The built-ins given, and a tenant's own integrations in a map; `reads` counts the reads of the latter. */
export function fakeIntegrations(builtIns: readonly Integration[], custom: Integration[] = []) {
  const own = new Map(custom.map((i) => [i.key, i]));
  const reads: string[] = [];
  const source: IntegrationSource = {
    builtIns,
    async custom(_tenantId, key) {
      reads.push(key);
      return own.get(key);
    },
  };
  return { source, reads, own };
}
