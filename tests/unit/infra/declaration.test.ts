import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import routeKeys from '#route-keys';
import { matchRoute, methodsServing, routesOf, splitRoute, type Declaration } from '../../../infra/declaration';
import { declaration } from '../../../infra/functions';
import { root } from '../../support/runtime';

describe('the declaration', () => {
  it('points every function at an entry file that exists', () => {
    for (const [name, fn] of Object.entries(declaration.functions)) {
      expect([name, existsSync(resolve(root, fn.entry))]).toEqual([name, true]);
    }
  });

  it('declares each route key once', () => {
    const keys = routesOf(declaration).map(([, r]) => r.route);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('names only declared tables and queues in function access', () => {
    const { tables, queues } = declaration.resources;
    for (const fn of Object.values(declaration.functions)) {
      for (const table of Object.keys(fn.access.tables ?? {})) expect(Object.keys(tables)).toContain(table);
      for (const queue of Object.keys(fn.access.queues ?? {})) expect(Object.keys(queues)).toContain(queue);
    }
  });

  it('uses strict schemas for every request body and query, so unknown fields are refused', () => {
    for (const [name, route] of routesOf(declaration)) {
      for (const schema of [route.contract.body, route.contract.query]) {
        if (!schema) continue;
        // The one exception: providers add their own parameters to the OAuth redirect (Shopify's hmac, shop, timestamp).
        if (name === 'oauthCallback' && schema === route.contract.query) continue;
        // And the proxy, which passes the provider's own query parameters on as written.
        if (route.route.includes('/proxy/{path+}') && schema === route.contract.query) continue;
        expect(schema.safeParse({ definitelyNotAField: 1 }).error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
      }
    }
  });

  it('names an audit action for every mutating route that takes a key', () => {
    for (const [, route] of routesOf(declaration)) {
      if (route.route === '$default' || route.contract.scope === null) continue;
      const mutating = splitRoute(route.route).method !== 'GET';
      expect([route.route, Boolean(route.contract.audit)]).toEqual([route.route, mutating]);
    }
  });

  it('gives every path parameter a schema', () => {
    for (const [, route] of routesOf(declaration)) {
      if (route.route === '$default') continue;
      // `{name+}` (the proxy's greedy path) is the parameter `name`, as API Gateway passes it.
      const params = [...splitRoute(route.route).path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1]!);
      const shape = route.contract.path instanceof z.ZodObject ? Object.keys(route.contract.path.shape) : [];
      expect(shape.sort()).toEqual(params.sort());
    }
  });
});

describe('route matching', () => {
  it('matches a templated path and decodes its parameters', () => {
    const match = matchRoute(declaration, 'GET', '/v1/api-keys/key%5F1');
    expect(match?.name).toBe('getApiKey');
    expect(match?.pathParameters).toEqual({ id: 'key_1' });
  });

  it('matches no route when only the method differs, and names the methods the path has', () => {
    expect(matchRoute(declaration, 'PATCH', '/v1/api-keys/key_1')).toBeUndefined();
    expect(methodsServing(routeKeys, '/v1/api-keys/key_1').sort()).toEqual(['DELETE', 'GET']);
  });

  it('does not let a parameter span segments', () => {
    expect(matchRoute(declaration, 'GET', '/v1/api-keys/a/b')).toBeUndefined();
    expect(methodsServing(routeKeys, '/v1/api-keys/a/b')).toEqual([]);
  });

  it('leaves an undecodable escape as it is', () => {
    expect(matchRoute(declaration, 'GET', '/v1/api-keys/%E0%A4%A')?.pathParameters).toEqual({ id: '%E0%A4%A' });
  });

  it('lists as route keys every declared route but $default', () => {
    expect(routeKeys).toEqual(routesOf(declaration).map(([, r]) => r.route).filter((key) => key !== '$default'));
    expect(routeKeys).toContain('GET /v1/api-keys/{id}');
  });

  /** The product's declaration with only these routes, declared in this order. */
  const withRoutes = (routes: Record<string, string>): Declaration => {
    const like = declaration.functions.getApiKey!;
    return {
      ...declaration,
      functions: Object.fromEntries(Object.entries(routes).map(([name, route]) => [name, { ...like, route } as typeof like])),
    };
  };

  it('prefers a literal segment to a {param}, and a {param} to a {proxy+}, whatever the declaration order', () => {
    const declared = withRoutes({
      anyThing: 'GET /v1/things/{proxy+}',
      oneThing: 'GET /v1/things/{id}',
      special: 'GET /v1/things/special',
      specialParts: 'GET /v1/things/special/{part}',
    });
    expect(matchRoute(declared, 'GET', '/v1/things/special')?.name).toBe('special');
    expect(matchRoute(declared, 'GET', '/v1/things/other')).toMatchObject({ name: 'oneThing', pathParameters: { id: 'other' } });
    expect(matchRoute(declared, 'GET', '/v1/things/special/a')).toMatchObject({ name: 'specialParts', pathParameters: { part: 'a' } });
    expect(matchRoute(declared, 'GET', '/v1/things/other/a/b')).toMatchObject({ name: 'anyThing', pathParameters: { proxy: 'other/a/b' } });
  });

  it('prefers the route that is literal further left, and a route\'s own method to ANY', () => {
    const declared = withRoutes({
      anyMethod: 'ANY /v1/things/{id}',
      byTenant: 'GET /v1/{tenant}/things',
      things: 'GET /v1/things/{id}',
    });
    expect(matchRoute(declared, 'GET', '/v1/things/things')?.name).toBe('things');
    expect(matchRoute(declared, 'DELETE', '/v1/things/a')?.name).toBe('anyMethod');
    expect(matchRoute(declared, 'GET', '/v1/acme/things')?.name).toBe('byTenant');
  });
});
