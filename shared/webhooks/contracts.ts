import { defineContract } from '../platform/contract';
import { page } from '../platform/pagination';
import {
  SecretRotated,
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookEndpointDeleted,
  WebhookEndpointInput,
  WebhookEndpointListQuery,
  WebhookEndpointPatch,
  WebhookEndpointPath,
} from './schema';

const tag = 'Webhook endpoints';

export const createWebhookEndpointContract = defineContract({
  summary: 'Create a webhook endpoint; its signing secret is shown in this answer only',
  tag,
  scope: 'write',
  audit: 'webhook_endpoint.create',
  secretResponse: true,
  body: WebhookEndpointInput,
  responses: { 201: { description: 'The endpoint, with its signing secret (shown once)', schema: WebhookEndpointCreated } },
});

export const listWebhookEndpointsContract = defineContract({
  summary: 'List webhook endpoints, newest first; filter by enabled',
  tag,
  scope: 'read',
  query: WebhookEndpointListQuery,
  responses: { 200: { description: 'A page of endpoints (never their secrets)', schema: page(WebhookEndpoint) } },
});

export const getWebhookEndpointContract = defineContract({
  summary: 'Show one webhook endpoint (its ETag is the version for If-Match)',
  tag,
  scope: 'read',
  path: WebhookEndpointPath,
  responses: { 200: { description: 'The endpoint (never its secret)', schema: WebhookEndpoint } },
});

export const updateWebhookEndpointContract = defineContract({
  summary: 'Update URL, event types, description, enabled, headers or rate limit; needs If-Match with the current version',
  tag,
  scope: 'write',
  audit: 'webhook_endpoint.update',
  path: WebhookEndpointPath,
  body: WebhookEndpointPatch,
  responses: {
    200: { description: 'The endpoint, at its new version', schema: WebhookEndpoint },
    412: { description: 'The version moved on; read it again' },
    428: { description: 'If-Match is missing' },
  },
});

export const deleteWebhookEndpointContract = defineContract({
  summary: 'Delete a webhook endpoint and destroy its signing secrets',
  tag,
  scope: 'write',
  audit: 'webhook_endpoint.delete',
  path: WebhookEndpointPath,
  responses: { 200: { description: 'Deleted', schema: WebhookEndpointDeleted } },
});

export const rotateWebhookSecretContract = defineContract({
  summary: 'Rotate the signing secret: the new one is shown in this answer only; the previous one keeps signing for 24 hours',
  tag,
  scope: 'write',
  audit: 'webhook_endpoint.rotate_secret',
  secretResponse: true,
  path: WebhookEndpointPath,
  responses: {
    200: { description: 'The new signing secret (shown once)', schema: SecretRotated },
    409: { description: 'Another rotation happened meanwhile' },
  },
});
