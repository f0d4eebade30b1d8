import Stripe from 'stripe';
import { fetch as undiciFetch } from 'undici';

/**
 * The `inbound` section's measurements (run.ts turns them into rows):
 *   - one signed Stripe delivery at a time through the gateway (verify, store, answer 202)
 *     beside the raw DynamoDB transaction it makes (seen item, event, outbox event);
 *   - 1,000 copies of one delivery from 50 concurrent senders, each retrying a 429 after
 *     its Retry-After as providers do: how many were answered 2xx, and how many stored.
 */
export const sequentialDeliveries = 300;
export const copies = 1000;
export const senders = 50;
/** Deliveries rotate over this many connections, each under its 100 a second. */
export const connectionsUsed = 5;

const stripe = new Stripe('sk_test_unused');

export function signedDeliveries(connectionIds: string[], secret: string, n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => {
    const body = JSON.stringify({ id: `evt_${tag}_${i}`, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: `pi_${i}` } } });
    return {
      path: `/v1/hooks/stripe/${connectionIds[i % connectionIds.length]}`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }) },
      body,
    };
  });
}

/** The same delivery `copies` times from `senders` at once; a 429 is sent again after its Retry-After. */
export async function duplicateStorm(origin: string, connectionId: string, secret: string) {
  const body = JSON.stringify({ id: `evt_storm_${Date.now()}`, object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_storm' } } });
  const headers = { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }) };
  const statuses = new Map<number, number>();
  let limited = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < copies) {
        next++;
        for (;;) {
          const response = await undiciFetch(`${origin}/v1/hooks/stripe/${connectionId}`, { method: 'POST', headers, body });
          await response.arrayBuffer();
          if (response.status !== 429) {
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            break;
          }
          limited++;
          await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000));
        }
      }
    }),
  );
  return { statuses, limited, seconds: (performance.now() - start) / 1000, deliveryId: JSON.parse(body).id as string };
}
