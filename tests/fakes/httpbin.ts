import { bearerToken, startProvider, type Answer, type FakeProvider } from './provider';

/**
 * httpbin's `/anything` (https://httpbin.org/#/Anything): any method on any path below it
 * answers 200 with what it received, as httpbin does: `method`, `url`, `args` (the query),
 * `headers`, `data` (the body as text) and `json` (the body parsed, or null). Requests
 * must carry a bearer token here, as a provider's would. Paths outside `/anything` are 404.
 */
export async function startFakeHttpbin(): Promise<FakeProvider> {
  return startProvider({
    tokenOf: bearerToken,
    fault(fault): Answer {
      if (fault === 'rate-limit') return { status: 429, headers: { 'retry-after': '30' }, body: { message: 'Too Many Requests' } };
      if (fault === 'expired-token') return { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { authenticated: false } };
      if (fault === 'wrong-shape') return { status: 200, body: [] };
      return { status: 500, body: '' };
    },
    handle(request, fake) {
      if (request.path !== '/anything' && !request.path.startsWith('/anything/')) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<h1>Not Found</h1>' };
      let json: unknown = null;
      try {
        json = JSON.parse(request.body);
      } catch {
        // Not JSON: httpbin answers null.
      }
      const search = request.query.toString();
      return {
        status: 200,
        body: {
          args: Object.fromEntries(request.query),
          data: request.body,
          headers: request.headers,
          json,
          method: request.method,
          url: `${fake.publicUrl}${request.path}${search ? `?${search}` : ''}`,
        },
      };
    },
  });
}
