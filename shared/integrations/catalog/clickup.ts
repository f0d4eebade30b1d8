import type { IntegrationInput } from '../schema';

export const clickup: IntegrationInput = {
  key: 'clickup',
  name: 'ClickUp',
  category: 'project-management',
  description: 'Workspaces, spaces, lists and tasks.',
  docsUrl: 'https://developer.clickup.com/reference',
  baseUrl: 'https://api.clickup.com/api/v2',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization' },
      fields: [
        {
          name: 'apiKey',
          label: 'Personal API token',
          secret: true,
          pattern: 'pk_[A-Za-z0-9_]{20,}',
          hint: 'a personal token (pk_…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/user' },
  rateLimits: [
    {
      requests: 100,
      perSeconds: 60,
      per: 'token',
      note: 'Free Forever, Unlimited and Business plans; Business Plus 1,000, Enterprise 10,000',
    },
  ],
  streams: [
    {
      // https://developer.clickup.com/reference/gettasks: pages numbered from 0 of at most 100
      // tasks, no page size to set: a shorter page is the last. `date_updated_gt` and the
      // tasks' `date_updated` are Unix milliseconds (the latter as a string).
      name: 'tasks',
      description: 'Tasks of one list, closed ones and subtasks included.',
      method: 'GET',
      path: '/list/{listId}/task',
      params: [
        { name: 'listId', label: 'List id', pattern: '[0-9]{1,20}', hint: 'a list id (digits)', maxLength: 20, required: true, example: '901234567' },
      ],
      query: { include_closed: 'true', subtasks: 'true', order_by: 'updated' },
      records: { path: ['tasks'] },
      primaryKey: ['id'],
      cursorField: { path: ['date_updated'], format: 'unix-millis' },
      incremental: { kind: 'filter', field: { in: 'query', name: 'date_updated_gt' }, format: 'unix-millis', on: 'modified' },
      lookbackSeconds: 60,
      // https://developer.clickup.com/docs/task-webhook-payloads
      deletions: { kind: 'tombstone-event', events: ['taskDeleted'] },
      pagination: { kind: 'page', param: { in: 'query', name: 'page' }, first: 0, end: { kind: 'short-page' } },
      pageSize: { max: 100 },
    },
  ],
};
