import type { Construct } from 'constructs';

/**
 * What a team tunes per deployment, read from CDK context: cdk.json's `context` holds the
 * defaults, and `npx cdk deploy -c rateLimitPerMinute=5000` overrides one for a deploy.
 * Synth fails on a missing or malformed value, naming the setting, rather than deploy a
 * stack that would fail at cold start or throttle everyone.
 */
export interface DeploySettings {
  /** Each tenant's request budget per UTC minute, enforced in code (`RATE_LIMIT_PER_MINUTE`). */
  rateLimitPerMinute: number;
  /**
   * The API stage's throttle, for all tenants together. Account-wide, API Gateway allows
   * 10,000 requests per second; without a stage limit one noisy client could take all of
   * it from every other API in the account. Raised with `rateLimitPerMinute`, or tenants
   * meet the stage's bare 429 before their own budget.
   */
  stageThrottle: { rateLimit: number; burstLimit: number };
  /** Days an event stays in the tenant's event log before the table's TTL removes it (`EVENT_RETENTION_DAYS`). */
  eventRetentionDays: number;
  /** Days a webhook endpoint may fail without a success before it is disabled (`WEBHOOK_DISABLE_AFTER_DAYS`). */
  webhookDisableAfterDays: number;
  /** Minutes a sync run may go without progress before it is failed as stalled (`SYNC_STALL_MINUTES`). */
  syncStallMinutes: number;
  /** Content types uploads may declare (`UPLOAD_CONTENT_TYPES`): comma-separated `type/subtype`, `type/*` or `*\/*`. */
  uploadContentTypes: string;
  /** Per tenant, GiB of uploads stored or reserved by open sessions (`UPLOAD_TENANT_QUOTA_GIB`). */
  uploadTenantQuotaGiB: number;
  /** Per tenant, upload sessions open at once (`UPLOAD_TENANT_OPEN_SESSIONS`). */
  uploadTenantOpenSessions: number;
  /** Uploads up to this many MiB are verified while `complete` answers; larger by the worker (`UPLOAD_INLINE_VERIFY_MAX_MIB`). */
  uploadInlineVerifyMaxMiB: number;
  /** The address alert emails come from, a verified SES identity (`ALERT_EMAIL_FROM`). */
  alertEmailFrom: string;
}

/** The context names, as written in cdk.json and after `-c`. */
export const settingNames = {
  rateLimitPerMinute: 'rateLimitPerMinute',
  apiThrottleRatePerSecond: 'apiThrottleRatePerSecond',
  apiThrottleBurst: 'apiThrottleBurst',
  eventRetentionDays: 'eventRetentionDays',
  webhookDisableAfterDays: 'webhookDisableAfterDays',
  syncStallMinutes: 'syncStallMinutes',
  uploadContentTypes: 'uploadContentTypes',
  uploadTenantQuotaGiB: 'uploadTenantQuotaGiB',
  uploadTenantOpenSessions: 'uploadTenantOpenSessions',
  uploadInlineVerifyMaxMiB: 'uploadInlineVerifyMaxMiB',
  alertEmailFrom: 'alertEmailFrom',
} as const;

export function deploySettings(scope: Construct): DeploySettings {
  return {
    rateLimitPerMinute: positiveInteger(scope, settingNames.rateLimitPerMinute, 'requests per tenant per minute'),
    stageThrottle: {
      rateLimit: positiveInteger(scope, settingNames.apiThrottleRatePerSecond, 'requests per second for the whole API'),
      burstLimit: positiveInteger(scope, settingNames.apiThrottleBurst, 'requests the whole API may take in a burst'),
    },
    eventRetentionDays: positiveInteger(scope, settingNames.eventRetentionDays, 'days events are kept'),
    webhookDisableAfterDays: positiveInteger(scope, settingNames.webhookDisableAfterDays, 'days a webhook endpoint may fail before it is disabled'),
    syncStallMinutes: positiveInteger(scope, settingNames.syncStallMinutes, 'minutes a sync run may go without progress'),
    uploadContentTypes: contentTypeList(scope, settingNames.uploadContentTypes),
    uploadTenantQuotaGiB: positiveInteger(scope, settingNames.uploadTenantQuotaGiB, 'GiB of uploads per tenant'),
    uploadTenantOpenSessions: positiveInteger(scope, settingNames.uploadTenantOpenSessions, 'open upload sessions per tenant'),
    uploadInlineVerifyMaxMiB: positiveInteger(scope, settingNames.uploadInlineVerifyMaxMiB, 'MiB of an upload verified inline'),
    alertEmailFrom: emailAddress(scope, settingNames.alertEmailFrom, 'the address alert emails come from'),
  };
}

/**
 * A consumer's concurrency cap, from the context value its declaration names. It caps the
 * SQS event source (maximum concurrency) rather than reserving concurrency for the function:
 * a reservation takes capacity from every other function in the account (and fails to
 * deploy in an account with little), and a function throttled by it leaves messages to be
 * received again and again until they land in the dead-letter queue; a capped event
 * source simply reads fewer batches at once.
 */
export function maxConcurrency(scope: Construct, name: string, consumer: string): number {
  const value = positiveInteger(scope, name, `invocations of ${consumer} at once`);
  if (value < 2 || value > 1000) {
    throw new Error(`the CDK context value "${name}" (invocations of ${consumer} at once) must be between 2 and 1000 (Lambda's limits for an SQS event source), not ${value}`);
  }
  return value;
}

/** The upload allow-list: media types or families, as `shared/uploads/deps.ts` reads them at cold start. */
export const contentTypeListPattern = /^\s*[\w.+*-]+\/[\w.+*-]+(\s*,\s*[\w.+*-]+\/[\w.+*-]+)*\s*$/;

function contentTypeList(scope: Construct, name: string): string {
  const value: unknown = scope.node.tryGetContext(name);
  const how = `set it in cdk.json's "context" or with -c ${name}=<types>`;
  if (value === undefined) throw new Error(`the CDK context value "${name}" (content types uploads may declare) is not set: ${how}`);
  if (typeof value !== 'string' || !contentTypeListPattern.test(value)) {
    throw new Error(`the CDK context value "${name}" must be a comma-separated list of type/subtype, type/* or */*, not ${JSON.stringify(value)}: ${how}`);
  }
  return value;
}

/** One plain address (`alerts@example.com`), as SES takes for FromEmailAddress; no display name. */
export const emailAddressPattern = /^[^\s@<>",]+@[^\s@<>",]+\.[^\s@<>",]+$/;

function emailAddress(scope: Construct, name: string, meaning: string): string {
  const value: unknown = scope.node.tryGetContext(name);
  const how = `set it in cdk.json's "context" or with -c ${name}=<address>`;
  if (value === undefined) throw new Error(`the CDK context value "${name}" (${meaning}) is not set: ${how}`);
  if (typeof value !== 'string' || !emailAddressPattern.test(value)) {
    throw new Error(`the CDK context value "${name}" (${meaning}) must be an email address, not ${JSON.stringify(value)}: ${how}`);
  }
  return value;
}

/** cdk.json gives a number; `-c name=value` on the command line gives a string. */
function positiveInteger(scope: Construct, name: string, meaning: string): number {
  const value: unknown = scope.node.tryGetContext(name);
  const how = `set it in cdk.json's "context" or with -c ${name}=<n>`;
  if (value === undefined) throw new Error(`the CDK context value "${name}" (${meaning}) is not set: ${how}`);
  const parsed = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`the CDK context value "${name}" (${meaning}) must be a positive integer, not ${JSON.stringify(value)}: ${how}`);
  }
  return parsed;
}
