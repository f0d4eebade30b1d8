import * as z from 'zod';
import { PageQuery } from '../platform/pagination';
import { idPattern } from '../platform/ids';
import { DisplayName } from '../platform/text';
import { responseSchema } from '../platform/contract';
import { ScheduleEntryView, SyncSchedule } from '../syncs/schedule';
import { healthReasonCodes } from './health';

export const connectionIdPattern = idPattern('conn');
const integrationKey = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'an integration key (kebab-case)').max(64);
const status = z.enum(['active', 'auth_failed', 'error']);

/**
 * Credentials and params are free-form maps here; the integration's definition says which
 * fields they need, and the service checks them against it (naming each wrong field).
 * Values are bounded so an oversized one is a 400, not a DynamoDB error.
 */
const credentialMap = z.record(z.string().max(64), z.string().max(8192)).refine((m) => Object.keys(m).length <= 20, 'at most 20 fields');
const paramMap = z.record(z.string().max(64), z.string().max(2048)).refine((m) => Object.keys(m).length <= 20, 'at most 20 params');

export const ConnectionInput = z
  .strictObject({
    integration: integrationKey,
    name: DisplayName,
    /** Needed only when the integration accepts more than one non-OAuth auth type. */
    authType: z.enum(['api_key', 'basic', 'bearer', 'none']).optional(),
    credentials: credentialMap.default({}),
    params: paramMap.default({}),
  })
  .meta({ id: 'ConnectionInput' });
export type ConnectionInput = z.infer<typeof ConnectionInput>;

export const ConnectionPatch = z
  .strictObject({
    name: DisplayName.optional(),
    /** Replaces the stored credentials as a whole (they are never readable). */
    credentials: credentialMap.optional(),
    params: paramMap.optional(),
    /** Scheduled syncs (entries every N minutes or on a cron expression); null stops them. */
    syncSchedule: SyncSchedule.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one of name, credentials, params, syncSchedule')
  .meta({ id: 'ConnectionPatch' });
export type ConnectionPatch = z.infer<typeof ConnectionPatch>;

export const TestOutcome = responseSchema(() =>
  z.object({
    at: z.iso.datetime(),
    ok: z.boolean(),
    /** The provider's HTTP status, or null when it did not answer. */
    status: z.number().int().nullable(),
    latencyMs: z.number(),
    detail: z.string(),
  }),
);

export const Connection = responseSchema(() =>
  z
    .object({
      id: z.string(),
      integration: z.string(),
      name: z.string(),
      authType: z.string(),
      params: z.record(z.string(), z.string()),
      credentialFields: z.array(z.string()),
      status,
      version: z.number().int(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
      lastTest: TestOutcome().nullable(),
      /** OAuth connections: the scopes granted and when the access token expires (null: never). */
      oauth: z.object({ scopes: z.array(z.string()), tokenExpiresAt: z.iso.datetime().nullable() }).nullable(),
      /** Scheduled syncs, as set with PATCH; null when runs start only on request. */
      syncSchedule: z.array(ScheduleEntryView()).nullable(),
    })
    .meta({ id: 'Connection' }),
);
export type Connection = z.infer<ReturnType<typeof Connection>>;

export const ConnectionHealthView = responseSchema(() =>
  z
    .object({
      id: z.string(),
      status,
      /** The last call with the credentials that the provider accepted (a test, a token refresh). */
      lastSuccessAt: z.iso.datetime().nullable(),
      lastFailureAt: z.iso.datetime().nullable(),
      lastError: z.string().nullable(),
      consecutiveFailures: z.number().int(),
      tokenExpiresAt: z.iso.datetime().nullable(),
      lastTest: TestOutcome().nullable(),
      /** When the newest sync run that finished (succeeded or failed) did; null before any. */
      lastSyncAt: z.iso.datetime().nullable(),
      /** 0–100: 100 less the impact of each reason (docs/monitoring.md, "Connection health"). */
      score: z.number().int().min(0).max(100),
      reasons: z.array(
        z.object({
          code: z.enum(healthReasonCodes),
          detail: z.string(),
          /** Points taken off the score; the impacts add up to 100 − score. */
          impact: z.number().int().min(1),
        }),
      ),
    })
    .meta({ id: 'ConnectionHealth' }),
);
export type ConnectionHealthView = z.infer<ReturnType<typeof ConnectionHealthView>>;

export const ConnectionDeleted = responseSchema(() =>
  z
    .object({
      id: z.string(),
      deleted: z.literal(true),
      /** OAuth connections: whether the provider revoked the grant; the deletion happened either way. */
      tokenRevocation: z.object({ status: z.enum(['revoked', 'failed', 'unsupported']), detail: z.string() }).nullable(),
      /** Its webhook subscriptions, removed at the provider first (null: it had none); the deletion happened either way. */
      webhookSubscriptions: z.object({ removed: z.number().int(), failed: z.array(z.object({ id: z.string(), detail: z.string() })) }).nullable(),
    })
    .meta({ id: 'ConnectionDeleted' }),
);

export const ConnectionPath = z.strictObject({
  id: z.string().regex(connectionIdPattern, 'not a connection id (conn_…)'),
});

export const ConnectionListQuery = PageQuery.extend({
  integration: integrationKey.optional(),
  status: status.optional(),
});
