import * as z from 'zod';
import { defineContract, responseSchema } from '../platform/contract';
import { page } from '../platform/pagination';
import {
  HookAnswer,
  HookPath,
  InboundEvent,
  InboundEventListQuery,
  InboundEventsPath,
  InboundPayloadPath,
  WebhookSubscription,
  WebhookSubscriptionDeleted,
  WebhookSubscriptionInput,
  WebhookSubscriptionListQuery,
  WebhookSubscriptionPath,
  WebhookSubscriptionsPath,
} from './schema';

const tag = 'Inbound webhooks';

/** Slack's `url_verification` handshake is answered with its challenge. */
const Challenge = responseSchema(() => z.object({ challenge: z.string() }).meta({ id: 'HookChallenge' }));

/**
 * The largest body a provider can get to the receiver through API Gateway. Lambda takes at
 * most 6 MB (6,291,456 bytes) per synchronous invocation
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and API
 * Gateway sends a binary body base64-encoded inside the event, 4/3 its size
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html):
 * 4 MiB becomes 5,592,408 bytes, leaving ~700 KB for the headers (an HTTP API takes 10 KB
 * of them) and the rest of the event. Beyond ~4.5 MiB, Lambda would refuse the invocation
 * and the provider would get a bare 413 from API Gateway; up to its own 10 MB
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html)
 * the receiver answers 413 problem+json itself.
 */
export const maxHookBodyBytes = 4 * 1024 * 1024;

export const receiveHookContract = defineContract({
  summary: "A provider's webhook for one connection: verified by the provider's signature scheme on the raw body, deduplicated on its delivery id, stored and routed",
  tag,
  // No API key: the provider's signature, with the connection's webhook secret, is the authentication.
  scope: null,
  rawBody: true,
  maxBodyBytes: maxHookBodyBytes,
  path: HookPath,
  responses: {
    200: { description: 'A copy of a delivery already received (nothing done again), GitHub\'s ping, or Slack\'s challenge', schema: responseSchema(() => z.union([HookAnswer(), Challenge()])) },
    202: { description: 'Received: stored, sent on as inbound.received, its sync (if any) queued', schema: HookAnswer },
    401: { description: 'The signature is missing, malformed, outside its time window, or wrong' },
    404: { description: 'No webhook receiver at this URL (the integration, the connection, or its webhook scheme: it does not say which)' },
    429: { description: "Over the connection's deliveries per second (see Retry-After)" },
  },
});

export const listInboundEventsContract = defineContract({
  summary: "The provider webhooks a connection received, newest first: verified, deduplicated, and what they started",
  tag,
  scope: 'read',
  path: InboundEventsPath,
  query: InboundEventListQuery,
  responses: { 200: { description: 'A page of inbound events', schema: page(InboundEvent) } },
});

export const readInboundPayloadContract = defineContract({
  summary: "An inbound event's body, the exact bytes the provider sent, with the provider's content type",
  tag,
  scope: 'read',
  path: InboundPayloadPath,
  responses: {
    200: { description: "The body as it arrived (up to 4 MiB), with the provider's Content-Type (application/octet-stream when it sent none)", contentType: 'application/octet-stream' },
    404: { description: "No such inbound event for this key's tenant, or its body is no longer kept (it expires with the event)" },
  },
});

/** What a provider's answer to a subscription's create or delete becomes. */
const providerAnswers = {
  409: { description: 'The connection cannot hold the secret (OAuth), lacks the app secret Shopify signs with, already has the one subscription Stripe allows it, or changed meanwhile' },
  429: { description: "The tenant's requests this minute are over its budget, or the connection's provider budget is spent or the provider asked to wait (see Retry-After)" },
  502: { description: "The provider could not be reached, failed, or refused the connection's credentials (its words, secrets blanked)" },
} as const;

export const createWebhookSubscriptionContract = defineContract({
  summary: "Subscribe to the provider's webhooks through its own API, pointed at this connection's receiver and signed with a secret only the receiver reads",
  tag,
  scope: 'write',
  audit: 'webhook_subscription.create',
  path: WebhookSubscriptionsPath,
  body: WebhookSubscriptionInput,
  responses: {
    201: { description: 'Subscribed at the provider (never its secret)', schema: WebhookSubscription },
    400: { description: "The integration has no registration through its API (path.id), an event or param it does not take, or the provider's refusal of them" },
    ...providerAnswers,
  },
});

export const listWebhookSubscriptionsContract = defineContract({
  summary: "The webhook subscriptions made through the provider's API for a connection, newest first",
  tag,
  scope: 'read',
  path: WebhookSubscriptionsPath,
  query: WebhookSubscriptionListQuery,
  responses: { 200: { description: 'A page of webhook subscriptions', schema: page(WebhookSubscription) } },
});

export const deleteWebhookSubscriptionContract = defineContract({
  summary: 'Remove a webhook subscription at the provider, then here; one the provider no longer has is forgotten too',
  tag,
  scope: 'write',
  audit: 'webhook_subscription.delete',
  path: WebhookSubscriptionPath,
  responses: {
    200: { description: 'Removed', schema: WebhookSubscriptionDeleted },
    ...providerAnswers,
  },
});
