import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import { ApiKey, ApiKeyCreated, ApiKeyInput, ApiKeyListQuery, ApiKeyPath } from './schema';

const tag = 'API keys';

export const createApiKeyContract = defineContract({
  summary: 'Create an API key (the secret is shown once)',
  tag,
  scope: 'admin',
  audit: 'api_key.create',
  secretResponse: true,
  body: ApiKeyInput,
  responses: { 201: { description: 'The key, with its secret', schema: ApiKeyCreated } },
});

export const listApiKeysContract = defineContract({
  summary: "List the tenant's API keys, newest first",
  tag,
  scope: 'admin',
  query: ApiKeyListQuery,
  responses: { 200: { description: 'A page of keys', schema: page(ApiKey) } },
});

export const getApiKeyContract = defineContract({
  summary: 'Show one API key',
  tag,
  scope: 'admin',
  path: ApiKeyPath,
  responses: { 200: { description: 'The key', schema: ApiKey } },
});

export const revokeApiKeyContract = defineContract({
  summary: 'Revoke an API key (stops working within 60 s)',
  tag,
  scope: 'admin',
  audit: 'api_key.revoke',
  path: ApiKeyPath,
  responses: { 200: { description: 'The key, revoked', schema: ApiKey } },
});

