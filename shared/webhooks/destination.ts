import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { FieldError } from '../platform/errors';
import { isAllowListedAddress, isForbiddenAddress } from '../platform/outbound';

/** Every address a host name resolves to (all of them: one forbidden address is enough to refuse). */
export type Resolve = (hostname: string) => Promise<string[]>;

export const resolveAll: Resolve = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Where an endpoint may point, checked at save with the outbound client's own address
 * rules (shared/platform/outbound.ts): no loopback, private, link-local/metadata or
 * otherwise reserved address, whether written literally (the WHATWG parser has already
 * turned `0x7f.1`, `2130706433` and `[::ffff:127.0.0.1]` into their canonical forms) or
 * reached through a name. `https` only, unless every address is in
 * OUTBOUND_ALLOWED_NETWORKS (how tests reach a loopback receiver): the same rule in AWS,
 * where the list is empty, and locally.
 *
 * A name can resolve elsewhere later (DNS rebinding): the delivery worker checks again at
 * send time and connects only to the address it checked. Answers the URL's problem as a
 * field error, or undefined when it may be saved.
 */
export async function checkEndpointUrl(text: string, resolve: Resolve, field = 'body.url'): Promise<FieldError | undefined> {
  const refuse = (message: string) => ({ field, message });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('must be an https URL');
  // Credentials in a URL would be stored and shown in the clear; a fragment never reaches the receiver.
  if (url.username || url.password) return refuse('must not carry a user name or password');
  if (url.hash) return refuse('must not have a #fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      return refuse(`${host} does not resolve, so where it points cannot be checked`);
    }
    if (addresses.length === 0) return refuse(`${host} does not resolve, so where it points cannot be checked`);
  }
  const forbidden = addresses.find((address) => isForbiddenAddress(address));
  if (forbidden) {
    return refuse(host === forbidden ? `${host} is a private, loopback or reserved address` : `${host} resolves to a private, loopback or reserved address (${forbidden})`);
  }
  if (url.protocol === 'http:' && !addresses.every((address) => isAllowListedAddress(address))) return refuse('must be an https URL');
  return undefined;
}
