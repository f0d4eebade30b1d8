import * as z from 'zod';
import { connectionIdPattern } from '../connections/schema';
import { defineContract, responseSchema, type Contract } from '../platform/contract';

const tag = 'Proxy';

export const ProxyPath = z.strictObject({
  id: z.string().regex(connectionIdPattern, 'not a connection id (conn_…)'),
  /** The provider's path below the integration's base URL; checked as written (service.ts). */
  path: z.string().min(1).max(2048),
});

/** Every query parameter is passed on to the provider as written. */
const ProxyQuery = z.looseObject({}).meta({ description: "Passed on to the provider's API as written" });

/** Whatever the provider answered: not Junction's to describe. */
const ProviderAnswer = responseSchema(() => z.unknown().meta({ id: 'ProviderAnswer', description: "The provider's own body" }));

const responses = {
  200: {
    description: "The provider's answer, whatever its status (2xx to 5xx), with its body (at most 4 MiB) and the headers the proxy passes back",
    schema: ProviderAnswer,
  },
  409: { description: "An OAuth connection must be authorized again, or its integration no longer exists" },
  415: { description: 'The body is not UTF-8 text (the proxy passes text only)' },
  429: { description: "The tenant's requests this minute are over its budget, or the connection's provider budget is spent or the provider asked to wait (see Retry-After)" },
  502: { description: "The provider could not be reached, its answer is larger than 4 MiB or not text, or an OAuth token could not be refreshed" },
} satisfies Contract['responses'];

const summary = (method: string) => `${method} on the connection's provider API, with its stored credentials added, answered as the provider answers`;

export const proxyGetContract = defineContract({ summary: summary('GET'), tag, scope: 'read', path: ProxyPath, query: ProxyQuery, responses });
export const proxyDeleteContract = defineContract({ summary: summary('DELETE'), tag, scope: 'write', audit: 'proxy.delete', path: ProxyPath, query: ProxyQuery, responses });
// Writes carry a body of any text type, passed on as it came.
export const proxyPostContract = defineContract({ summary: summary('POST'), tag, scope: 'write', audit: 'proxy.post', rawBody: true, path: ProxyPath, query: ProxyQuery, responses });
export const proxyPutContract = defineContract({ summary: summary('PUT'), tag, scope: 'write', audit: 'proxy.put', rawBody: true, path: ProxyPath, query: ProxyQuery, responses });
export const proxyPatchContract = defineContract({ summary: summary('PATCH'), tag, scope: 'write', audit: 'proxy.patch', rawBody: true, path: ProxyPath, query: ProxyQuery, responses });
