import * as z from 'zod';
import { defineContract, responseSchema } from '../platform/contract';
import { page } from '../platform/pagination';
import { HookAnswer, HookPath, InboundEvent, InboundEventListQuery, InboundEventsPath } from './schema';

const tag = 'Inbound webhooks';

/** Slack's `url_verification` handshake is answered with its challenge. */
const Challenge = responseSchema(() => z.object({ challenge: z.string() }).meta({ id: 'HookChallenge' }));

export const receiveHookContract = defineContract({
  summary: "A provider's webhook for one connection: verified by the provider's signature scheme on the raw body, deduplicated on its delivery id, stored and routed",
  tag,
  // No API key: the provider's signature, with the connection's webhook secret, is the authentication.
  scope: null,
  rawBody: true,
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
