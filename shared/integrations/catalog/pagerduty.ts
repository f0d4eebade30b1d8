import type { IntegrationInput } from '../schema';

export const pagerduty: IntegrationInput = {
  key: 'pagerduty',
  name: 'PagerDuty',
  category: 'developer-tools',
  description: 'Incidents, services, schedules and on-call rotations.',
  docsUrl: 'https://developer.pagerduty.com/api-reference/',
  baseUrl: 'https://api.pagerduty.com',
  baseUrlOverride: { hostSuffixes: ['.pagerduty.com'] },
  headers: { Accept: 'application/vnd.pagerduty+json;version=2' },
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Token token=' },
      fields: [{ name: 'apiKey', label: 'REST API key', secret: true, maxLength: 255 }],
    },
  ],
  // Works for account and user keys alike (GET /users/me needs a user key).
  check: { method: 'GET', path: '/abilities' },
  rateLimits: [{ requests: 960, perSeconds: 60, per: 'token', note: 'REST API, per key' }],
};
