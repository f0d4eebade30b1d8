import type { IntegrationInput } from '../schema';

export const segment: IntegrationInput = {
  key: 'segment',
  name: 'Segment',
  category: 'analytics',
  description: 'Workspaces, sources, destinations and tracking plans, through the Public API.',
  docsUrl: 'https://docs.segmentapis.com/',
  baseUrl: 'https://api.segmentapis.com',
  baseUrlOverride: { hostSuffixes: ['.segmentapis.com'] },
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'Public API token', secret: true, maxLength: 255 }],
    },
  ],
  // GET / answers the token's workspace.
  check: { method: 'GET', path: '/' },
};
