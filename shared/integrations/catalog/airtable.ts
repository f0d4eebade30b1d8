import type { IntegrationInput } from '../schema';

export const airtable: IntegrationInput = {
  key: 'airtable',
  name: 'Airtable',
  category: 'productivity',
  description: 'Bases, tables and records.',
  docsUrl: 'https://airtable.com/developers/web/api/introduction',
  baseUrl: 'https://api.airtable.com/v0',
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Personal access token',
          secret: true,
          pattern: 'pat[A-Za-z0-9]+\\.[A-Za-z0-9]+',
          hint: 'a personal access token (pat….…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/meta/whoami' },
  rateLimits: [
    { requests: 5, perSeconds: 1, per: 'resource', note: 'per base; after a 429, wait 30 seconds' },
    { requests: 50, perSeconds: 1, per: 'token', note: 'across all bases' },
  ],
  streams: [
    {
      // https://airtable.com/developers/web/api/list-records: `offset` comes back while more
      // records remain, at most 100 per page. Records carry no modification time of their
      // own and deletions leave no trace: each sync reads the table whole.
      name: 'records',
      description: 'The records of one table, every field by name.',
      method: 'GET',
      path: '/{baseId}/{tableId}',
      params: [
        { name: 'baseId', label: 'Base id', pattern: 'app[A-Za-z0-9]{14}', hint: 'a base id (app…)', maxLength: 17, required: true, example: 'appZ3b2XqD7XvYtKc' },
        { name: 'tableId', label: 'Table id', pattern: 'tbl[A-Za-z0-9]{14}', hint: 'a table id (tbl…)', maxLength: 17, required: true, example: 'tblQ9aJQe2kBc7dXf' },
      ],
      records: { path: ['records'] },
      primaryKey: ['id'],
      incremental: { kind: 'none' },
      deletions: { kind: 'full-refresh-diff' },
      pagination: { kind: 'cursor', param: { in: 'query', name: 'offset' }, next: ['offset'] },
      pageSize: { field: { in: 'query', name: 'pageSize' }, max: 100 },
    },
  ],
};
