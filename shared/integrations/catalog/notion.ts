import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * Lists answer `{ "object": "list", "results": [...], "next_cursor", "has_more" }`; the
 * cursor goes back as `start_cursor`, in the body of POST lists, with at most 100 per page
 * (https://developers.notion.com/reference/intro#pagination). Edit times are kept to the
 * minute, hence two minutes of lookback. Pages moved to the trash leave these lists.
 */
const list = {
  method: 'POST',
  records: { path: ['results'] },
  primaryKey: ['id'],
  cursorField: { path: ['last_edited_time'], format: 'iso8601' },
  lookbackSeconds: 120,
  deletions: { kind: 'full-refresh-diff' },
  pagination: { kind: 'cursor', param: { in: 'body', path: ['start_cursor'] }, next: ['next_cursor'], hasMore: ['has_more'] },
  pageSize: { field: { in: 'body', path: ['page_size'] }, max: 100 },
} satisfies Partial<StreamInput>;

export const notion: IntegrationInput = {
  key: 'notion',
  name: 'Notion',
  category: 'productivity',
  description: 'Pages, databases and blocks shared with the integration.',
  docsUrl: 'https://developers.notion.com/reference/intro',
  baseUrl: 'https://api.notion.com/v1',
  // Required on every request (https://developers.notion.com/reference/versioning).
  headers: { 'Notion-Version': '2025-09-03' },
  auth: [
    {
      type: 'bearer',
      fields: [
        {
          name: 'token',
          label: 'Internal integration secret',
          secret: true,
          pattern: '(ntn_|secret_)[A-Za-z0-9]+',
          hint: 'an internal integration secret (ntn_… or, from before September 2024, secret_…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/users/me' },
  rateLimits: [
    { requests: 3, perSeconds: 1, per: 'token', note: 'on average per integration; short bursts above it are allowed' },
  ],
  streams: [
    {
      // https://developers.notion.com/reference/post-search: it cannot filter by time, but sorts by last edit.
      ...list,
      name: 'pages',
      description: 'Every page shared with the integration, most recently edited first.',
      path: '/search',
      body: { filter: { property: 'object', value: 'page' }, sort: { timestamp: 'last_edited_time', direction: 'descending' } },
      incremental: { kind: 'newest-first' },
    },
    {
      // https://developers.notion.com/reference/query-a-data-source (Notion-Version 2025-09-03)
      ...list,
      name: 'data_source_pages',
      description: 'The pages (rows) of one data source of a database, oldest edit first.',
      path: '/data_sources/{dataSourceId}/query',
      params: [
        {
          name: 'dataSourceId',
          label: 'Data source id',
          pattern: '[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}',
          hint: 'a data source id (a UUID, with or without dashes)',
          maxLength: 36,
          required: true,
          example: 'd9824bdc-8445-4327-be8b-5b47500af6ce',
        },
      ],
      body: { sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }] },
      incremental: {
        kind: 'filter',
        field: { in: 'body', path: ['filter'] },
        format: 'iso8601',
        template: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: '{value}' } },
        on: 'modified',
      },
    },
  ],
};
