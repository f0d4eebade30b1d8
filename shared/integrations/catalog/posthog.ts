import type { IntegrationInput } from '../schema';

export const posthog: IntegrationInput = {
  key: 'posthog',
  name: 'PostHog',
  category: 'analytics',
  description: 'Events, persons, insights and feature flags of PostHog projects.',
  docsUrl: 'https://posthog.com/docs/api',
  baseUrl: 'https://us.posthog.com',
  // EU Cloud is eu.posthog.com; self-hosted instances their own host.
  baseUrlOverride: {},
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
      fields: [
        {
          name: 'apiKey',
          label: 'Personal API key',
          secret: true,
          pattern: 'phx_[A-Za-z0-9]{30,}',
          hint: 'a personal API key (phx_…)',
          maxLength: 255,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/api/users/@me/' },
  rateLimits: [
    {
      requests: 240,
      perSeconds: 60,
      per: 'token',
      note: 'analytics endpoints; 480 per minute for CRUD endpoints',
    },
  ],
};
