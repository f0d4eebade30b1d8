import type { IntegrationInput } from '../schema';

export const openai: IntegrationInput = {
  key: 'openai',
  name: 'OpenAI',
  category: 'ai',
  description: 'Models, responses, embeddings, files and batches.',
  docsUrl: 'https://platform.openai.com/docs/api-reference',
  baseUrl: 'https://api.openai.com/v1',
  auth: [
    {
      type: 'api_key',
      sendAs: { in: 'header', name: 'Authorization', prefix: 'Bearer ' },
      fields: [
        {
          name: 'apiKey',
          label: 'API key',
          secret: true,
          pattern: 'sk-[A-Za-z0-9_-]+',
          hint: 'an API key (sk-proj-…, sk-…)',
          maxLength: 512,
        },
      ],
    },
  ],
  check: { method: 'GET', path: '/models' },
  // Limits depend on the model and the organisation's usage tier; responses report them in x-ratelimit-* headers.
  rateLimits: [],
  // Webhooks follow Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
  // with the endpoint's whsec_ secret (https://platform.openai.com/docs/guides/webhooks).
  webhooks: { scheme: 'standard-webhooks', secret: 'endpoint', idHeader: 'webhook-id' },
};
