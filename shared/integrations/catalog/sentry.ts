import type { IntegrationInput } from '../schema';

export const sentry: IntegrationInput = {
  key: 'sentry',
  name: 'Sentry',
  category: 'developer-tools',
  description: 'Organisations, projects, issues and events on sentry.io or a self-hosted Sentry.',
  docsUrl: 'https://docs.sentry.io/api/',
  baseUrl: 'https://sentry.io/api/0',
  // EU-hosted organisations use de.sentry.io; self-hosted servers their own host.
  baseUrlOverride: {},
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'Auth token', secret: true, maxLength: 255 }],
    },
  ],
  check: { method: 'GET', path: '/organizations/' },
};
