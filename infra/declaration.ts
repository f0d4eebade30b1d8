/**
 * The shape of Junction's one declaration of functions and resources.
 *
 * `resources.ts` and `functions.ts` hold the data; the CDK app (`infra/aws`) and the
 * local runtime (`infra/local`) both read it. Nothing here imports CDK or the AWS SDK,
 * so handlers and tests can import the declaration cheaply.
 */
import type { Contract } from '../shared/platform/contract';

export interface TableDeclaration {
  partitionKey: string;
  sortKey: string;
  /** Global secondary indexes, each with string keys. */
  indexes: Record<string, { partitionKey: string; sortKey: string }>;
  /** Attribute holding an epoch-seconds expiry, if items expire. */
  ttlAttribute?: string;
  /** A DynamoDB stream of each change's new item, for `kind: 'stream'` functions to read. */
  stream?: 'NEW_IMAGE';
}

export interface QueueDeclaration {
  /** Seconds a received message stays hidden; at least 6x the consumer's timeout (AWS guidance). */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the queue's dead-letter queue. */
  maxReceiveCount: number;
  /** How long messages are kept, in seconds (also used for the DLQ, at its 14-day maximum). */
  retentionSeconds: number;
}

export interface Resources {
  tables: Record<string, TableDeclaration>;
  queues: Record<string, QueueDeclaration>;
  bucket: { name: string; abortIncompleteUploadsAfterDays: number } | null;
  /**
   * The credential vault's key (`KEY_ARN`), for functions that declare `key` access only.
   * In AWS, tables, queues and the bucket are encrypted at rest with a separate key.
   */
  key: { alias: string };
}

/** What a function may touch. The CDK grants exactly this; the local runtime checks names exist. */
export interface Access {
  tables?: Record<string, 'read' | 'write' | 'readwrite' | 'describe'>;
  queues?: Record<string, 'send' | 'describe'>;
  bucket?: 'read' | 'write' | 'readwrite' | 'describe';
  key?: 'encrypt' | 'decrypt' | 'encrypt-decrypt' | 'describe';
  /** Sending email through SES (ses:SendEmail); locally the stand-in's endpoint (infra/local/ses.ts). */
  email?: 'send';
}

/** What a function gets when its declaration does not say (both deployers read these). */
export const defaultMemoryMb = 256;
export const defaultTimeoutSeconds = 10;

/**
 * What every function's environment holds, in AWS and locally: the service name its logs
 * and metrics carry, and Node's own source-map support, so stack traces point at the
 * TypeScript through the map beside the bundle.
 */
export const commonFunctionEnv = {
  POWERTOOLS_SERVICE_NAME: 'junction',
  NODE_OPTIONS: '--enable-source-maps',
} as const;

/** What a deployment tunes: the CDK app reads it from its context, local mode from its environment. */
export interface FunctionSettings {
  rateLimitPerMinute: number;
  eventRetentionDays: number;
  webhookDisableAfterDays: number;
  syncStallMinutes: number;
  /** Content types uploads may declare, comma-separated: `type/subtype`, `type/*` or `*\/*`. */
  uploadContentTypes: string;
  uploadTenantQuotaGiB: number;
  uploadTenantOpenSessions: number;
  uploadInlineVerifyMaxMiB: number;
  /** The address alert emails come from: a verified SES identity (docs/alerts.md). */
  alertEmailFrom: string;
}

/** The settings only the functions that name them (`settings` in their declaration) are handed, and their variables. */
export const namedSettings = {
  webhookDisableAfterDays: 'WEBHOOK_DISABLE_AFTER_DAYS',
  syncStallMinutes: 'SYNC_STALL_MINUTES',
  uploadContentTypes: 'UPLOAD_CONTENT_TYPES',
  uploadTenantQuotaGiB: 'UPLOAD_TENANT_QUOTA_GIB',
  uploadTenantOpenSessions: 'UPLOAD_TENANT_OPEN_SESSIONS',
  uploadInlineVerifyMaxMiB: 'UPLOAD_INLINE_VERIFY_MAX_MIB',
  alertEmailFrom: 'ALERT_EMAIL_FROM',
} as const satisfies Partial<Record<keyof FunctionSettings, string>>;
export type NamedSetting = keyof typeof namedSettings;

/**
 * The settings a function is handed as variables, beside its resources' (`accessEnv` in
 * shared/platform/resource-env.ts); both deployers set exactly these. The tenant's budget
 * goes to the routes whose contract names a scope: the handler wrapper spends it there.
 * The event log's retention goes to every function that may write the main table, where
 * events are recorded with the changes they report.
 */
export function settingsEnv(declared: FunctionDeclaration, settings: FunctionSettings): Record<string, string> {
  const writesMain = ['write', 'readwrite'].includes(declared.access.tables?.main ?? '');
  return {
    ...(declared.kind === 'route' && declared.contract.scope !== null ? { RATE_LIMIT_PER_MINUTE: String(settings.rateLimitPerMinute) } : {}),
    ...(writesMain ? { EVENT_RETENTION_DAYS: String(settings.eventRetentionDays) } : {}),
    ...Object.fromEntries((declared.settings ?? []).map((name) => [namedSettings[name], String(settings[name])])),
  };
}

interface FunctionBase {
  /** Entry point, relative to the repo root, exporting `handler`. */
  entry: string;
  access: Access;
  memoryMb?: number;
  timeoutSeconds?: number;
  /**
   * Files of installed packages the function reads at run time (`{ 'swagger-ui-dist':
   * ['swagger-ui.css'] }`), shipped beside its bundle rather than inside it: the CDK app
   * copies them to `node_modules/<package>/` next to the bundle, where Node's resolution
   * from the bundle finds them as it finds the installed package locally.
   */
  packageFiles?: Record<string, readonly string[]>;
  /** Deployment settings this function reads beyond those every function of its kind gets. */
  settings?: readonly NamedSetting[];
  /**
   * Metrics the function publishes (embedded metric format, namespace `Junction`) that
   * mean something is wrong whenever they count anything: each gets an alarm.
   */
  alarmMetrics?: ReadonlyArray<{ name: string; description: string }>;
}

/** Where the functions' own metrics go (shared/platform/metrics.ts), and the dimension Powertools adds to each. */
export const metricsNamespace = 'Junction';

export interface RouteDeclaration extends FunctionBase {
  kind: 'route';
  /** API Gateway route key: `GET /v1/api-keys/{id}`, or `$default`. */
  route: string;
  /** What the route takes and answers, and the scope it needs (`null`: no API key). */
  contract: Contract;
}

export interface AuthorizerDeclaration extends FunctionBase {
  kind: 'authorizer';
  /** API Gateway caches results per identity source for this long (max 3600). */
  resultsCacheTtlSeconds: number;
  identitySource: string[];
}

export interface ConsumerDeclaration extends FunctionBase {
  kind: 'consumer';
  queue: string;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /**
   * The CDK context value (cdk.json) that caps how many invocations Lambda's SQS poller
   * runs at once for this consumer (the event source's maximum concurrency, 2–1,000).
   */
  maxConcurrencySetting?: string;
}

/**
 * A function fed by a table's stream, as Lambda's event source mapping feeds it: batches of
 * records in order per shard, partial batch responses honoured (the failed record and
 * what follows it are retried). Only inserts whose sort key begins with `sortKeyPrefix`
 * reach it: Lambda filters them out before invoking, so other writes cost nothing.
 */
export interface StreamDeclaration extends FunctionBase {
  kind: 'stream';
  table: string;
  batchSize: number;
  sortKeyPrefix: string;
  /** Retries of a failing batch before it is given up (to the on-failure queue in AWS). */
  retryAttempts: number;
}

export interface ScheduleDeclaration extends FunctionBase {
  kind: 'schedule';
  /** EventBridge expression: `rate(5 minutes)` or `cron(0 3 * * ? *)`. */
  expression: string;
}

export type FunctionDeclaration =
  | RouteDeclaration
  | AuthorizerDeclaration
  | ConsumerDeclaration
  | StreamDeclaration
  | ScheduleDeclaration;

export interface ApiDeclaration {
  cors: {
    allowOrigins: string[];
    allowMethods: string[];
    allowHeaders: string[];
    exposeHeaders: string[];
    maxAgeSeconds: number;
  };
  /** Largest request body a route accepts; larger answers 413. */
  maxBodyBytes: number;
}

export interface Declaration {
  resources: Resources;
  api: ApiDeclaration;
  functions: Record<string, FunctionDeclaration>;
}

export function routesOf(declaration: Declaration): Array<[string, RouteDeclaration]> {
  return Object.entries(declaration.functions).filter(
    (entry): entry is [string, RouteDeclaration] => entry[1].kind === 'route',
  );
}

/**
 * The queue a consumer reads, refused when its visibility timeout is under 6x the
 * consumer's timeout: a message must stay hidden while a consumer may still be working on
 * it, retries included, or a second consumer gets it meanwhile
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-lambda-function-trigger.html).
 * Synth and `npm start` both check it, here.
 */
export function consumedQueue(name: string, consumer: ConsumerDeclaration, resources: Resources): QueueDeclaration {
  const queue = Object.hasOwn(resources.queues, consumer.queue) ? resources.queues[consumer.queue] : undefined;
  if (!queue) throw new Error(`${name} consumes the queue "${consumer.queue}", which is not declared`);
  const timeoutSeconds = consumer.timeoutSeconds ?? defaultTimeoutSeconds;
  if (queue.visibilityTimeoutSeconds < 6 * timeoutSeconds) {
    throw new Error(
      `the ${consumer.queue} queue's visibility timeout (${queue.visibilityTimeoutSeconds} s) must be at least 6x its consumer ${name}'s timeout (${timeoutSeconds} s)`,
    );
  }
  return queue;
}

/** The table a stream function reads, refused unless it is declared with a stream. Synth and `npm start` both check it. */
export function streamedTable(name: string, reader: StreamDeclaration, resources: Resources): TableDeclaration {
  const table = Object.hasOwn(resources.tables, reader.table) ? resources.tables[reader.table] : undefined;
  if (!table) throw new Error(`${name} reads the stream of the table "${reader.table}", which is not declared`);
  if (!table.stream) throw new Error(`${name} reads the stream of the table "${reader.table}", which is declared without one`);
  return table;
}

export function authorizerOf(declaration: Declaration): [string, AuthorizerDeclaration] {
  const found = Object.entries(declaration.functions).find(([, f]) => f.kind === 'authorizer');
  if (!found) throw new Error('the declaration has no authorizer');
  return found as [string, AuthorizerDeclaration];
}

/** `GET /v1/api-keys/{id}` → `{ method: 'GET', path: '/v1/api-keys/{id}' }`. */
export function splitRoute(route: string): { method: string; path: string } {
  const [method, path] = route.split(' ');
  if (!method || !path) throw new Error(`route "${route}" is not "METHOD /path"`);
  return { method, path };
}

export interface RouteMatch {
  name: string;
  route: RouteDeclaration;
  pathParameters: Record<string, string>;
}

/**
 * Matches a request to a declared route the way API Gateway does: `{name}` takes one
 * path segment, `{name+}` the rest; what matches nothing goes to `$default`. Of the
 * routes that match, the most specific wins, whatever the order they are declared in:
 * reading the path from the left, a literal segment beats `{param}`, which beats
 * `{proxy+}`; then a route's own method beats ANY
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.evaluation).
 */
export function matchRoute(declaration: Declaration, method: string, path: string): RouteMatch | undefined {
  for (const { name, route, template } of routeTable(declaration)) {
    if (template.method !== method && template.method !== 'ANY') continue;
    const pathParameters = matchPath(template.path, path);
    if (pathParameters) return { name, route, pathParameters };
  }
  return undefined;
}

/** The methods that route keys (`GET /v1/things/{id}`) serve on a path: a 405's `Allow`. */
export function methodsServing(routeKeys: readonly string[], path: string): string[] {
  return routeKeys.map(splitRoute).flatMap(({ method, path: template }) => (matchPath(template, path) ? [method] : []));
}

/**
 * The declared routes, split once per declaration (the gateway matches every request)
 * and sorted most specific first, so the first that matches is the one API Gateway picks.
 */
const tables = new WeakMap<Declaration, Array<{ name: string; route: RouteDeclaration; template: { method: string; path: string } }>>();
function routeTable(declaration: Declaration) {
  let table = tables.get(declaration);
  if (!table) {
    table = routesOf(declaration)
      .filter(([, route]) => route.route !== '$default')
      .map(([name, route]) => ({ name, route, template: splitRoute(route.route) }))
      .sort((a, b) => compareSpecificity(a.template, b.template));
    tables.set(declaration, table);
  }
  return table;
}

/** Each segment's rank, left to right: 0 a literal, 1 `{param}`, 2 `{proxy+}`. */
function segmentRanks(path: string): number[] {
  return path.split('/').map((segment) => {
    const param = /^\{[A-Za-z0-9_]+(\+?)\}$/.exec(segment);
    return param ? (param[1] ? 2 : 1) : 0;
  });
}

/** Negative when route `a` is the more specific one. */
function compareSpecificity(a: { method: string; path: string }, b: { method: string; path: string }): number {
  const ranksA = segmentRanks(a.path);
  const ranksB = segmentRanks(b.path);
  for (let i = 0; i < Math.min(ranksA.length, ranksB.length); i++) {
    if (ranksA[i] !== ranksB[i]) return ranksA[i]! - ranksB[i]!;
  }
  return Number(a.method === 'ANY') - Number(b.method === 'ANY');
}

const compiled = new Map<string, { regex: RegExp; names: string[] }>();

function matchPath(template: string, path: string): Record<string, string> | undefined {
  let entry = compiled.get(template);
  if (!entry) {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((segment) => {
        const param = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(param[1]!);
        return param[2] ? '(.+)' : '([^/]+)';
      })
      .join('/');
    entry = { regex: new RegExp(`^${source}$`), names };
    compiled.set(template, entry);
  }
  const found = entry.regex.exec(path);
  if (!found) return undefined;
  return Object.fromEntries(entry.names.map((name, i) => [name, safeDecode(found[i + 1]!)]));
}

/** API Gateway passes undecodable escapes through as they are; so do we. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
