import { defineContract } from '../platform/contract';
import { RecordListQuery, RecordPage, RecordsPath } from './schema';

export const listRecordsContract = defineContract({
  summary: "A stream's synced records in the order they changed, deletions as tombstones; resume from a stored cursor to get each later change once",
  tag: 'Records',
  scope: 'read',
  path: RecordsPath,
  query: RecordListQuery,
  responses: { 200: { description: 'A page of changed records, oldest change first, and where to resume', schema: RecordPage } },
});
