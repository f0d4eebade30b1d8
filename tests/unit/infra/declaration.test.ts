import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import routeKeys from '#route-keys';
import { matchRoute, methodsServing, routesOf, splitRoute } from '../../../infra/declaration';
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
      const params = [...splitRoute(route.route).path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
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
});
