import type { IntegrationInput } from '../schema';

export const vercel: IntegrationInput = {
  key: 'vercel',
  name: 'Vercel',
  category: 'developer-tools',
  description: 'Projects, deployments, domains and environment variables.',
  docsUrl: 'https://vercel.com/docs/rest-api',
  baseUrl: 'https://api.vercel.com',
  auth: [
    {
      type: 'bearer',
      fields: [{ name: 'token', label: 'Access token', secret: true, maxLength: 255 }],
    },
  ],
  check: { method: 'GET', path: '/v2/user' },
};
