import type { IntegrationInput } from '../schema';

export const mixpanel: IntegrationInput = {
  key: 'mixpanel',
  name: 'Mixpanel',
  category: 'analytics',
  description: 'Events, funnels, cohorts and user profiles.',
  docsUrl: 'https://developer.mixpanel.com/reference/overview',
  baseUrl: 'https://mixpanel.com/api',
  // EU residency projects use eu.mixpanel.com, India in.mixpanel.com.
  baseUrlOverride: { hostSuffixes: ['.mixpanel.com'] },
  auth: [
    {
      type: 'basic',
      fields: [
        { name: 'username', label: 'Service account username', secret: false, maxLength: 255 },
        { name: 'password', label: 'Service account secret', secret: true, maxLength: 255 },
      ],
    },
  ],
  check: { method: 'GET', path: '/app/me' },
  rateLimits: [
    {
      requests: 60,
      perSeconds: 3600,
      per: 'account',
      note: 'query API per project; 5 concurrent queries',
    },
  ],
};
