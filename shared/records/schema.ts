import * as z from 'zod';
import { connectionIdPattern } from '../connections/schema';
import { responseSchema } from '../platform/contract';

/** A stream's name as integrations declare it (`contacts`, `line_items`). */
export const streamPattern = /^[a-z][a-z0-9_]{0,63}$/;

export const RecordsPath = z.strictObject({
  id: z.string().regex(connectionIdPattern, 'not a connection id (conn_…)'),
  stream: z.string().regex(streamPattern, 'a stream name: a lowercase letter, then up to 63 lowercase letters, digits or _'),
});

/** What a record's last change was. */
export const recordStates = ['added', 'updated', 'deleted'] as const;
export type RecordState = (typeof recordStates)[number];

const states = recordStates.join('|');

export const RecordListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** The `nextCursor` of an earlier page: changes after it. */
  cursor: z.string().max(1024).optional(),
  /** Without a cursor: start with the changes made after this time (ISO 8601). A cursor overrides it. */
  modifiedAfter: z.iso.datetime({ offset: true }).optional(),
  /** Only these kinds of change, comma-separated (`added,updated`). */
  filter: z
    .string()
    .regex(new RegExp(`^(${states})(,(${states}))*$`), 'comma-separated kinds of change: added, updated, deleted')
    .transform((text) => [...new Set(text.split(','))] as RecordState[])
    .optional(),
});
export type RecordListQuery = z.infer<typeof RecordListQuery>;

const SyncedRecord = () =>
  z
    .object({
      /** The record's primary key at the provider. */
      key: z.string().meta({ example: 'cus_NffrFeUfNV2Hib' }),
      /** What its last change was: first seen (or seen again after a deletion), changed, or deleted at the provider. */
      state: z.enum(recordStates),
      modifiedAt: z.iso.datetime(),
      /** The record as the provider sent it (object keys sorted); null once deleted. */
      payload: z.unknown().meta({ example: { id: 'cus_NffrFeUfNV2Hib', email: 'jenny.rosen@example.com' } }),
    })
    .meta({ id: 'SyncedRecord' });

export const RecordPage = responseSchema(() =>
  z
    .object({
      data: z.array(SyncedRecord()),
      /** Always given: store it and ask again with it, now while `hasMore` or later, to get every later change once. */
      nextCursor: z.string(),
      /** More changes follow now. A page may hold fewer than `limit` records (even none) and still have more. */
      hasMore: z.boolean(),
    })
    .meta({ id: 'SyncedRecordPage' }),
);
export type RecordPage = z.infer<ReturnType<typeof RecordPage>>;
