import { randomBytes } from 'node:crypto';
import { githubHookRegistration } from '../../shared/integrations/catalog/github';
import type { FakeGitHub } from '../fakes/github';
import type { TlsFront } from '../fakes/tls';
import { customIntegration } from './good-bodies';
import type { TestRuntime } from './runtime';

/**
 * A connection that can make webhook subscriptions, for the route-wide tests: a tenant's
 * integration with GitHub's registration whose API is the fake GitHub behind `front`
 * (from `frontOf`, trusted with `trust`), a token the fake accepts, and the repository of
 * the good body (`acme/api`). Returns the connection id.
 */
export async function registeringConnection(runtime: TestRuntime, front: TlsFront, fake: FakeGitHub, key: string, options: { apiKey?: string } = {}): Promise<string> {
  fake.addRepository('acme', 'api');
  const definition = { ...customIntegration(key), baseUrl: front.url, webhooks: { scheme: 'github', secret: 'endpoint', registration: githubHookRegistration } };
  const integration = await runtime.call('/v1/integrations', { method: 'POST', key: options.apiKey, json: definition });
  if (integration.status !== 201 && integration.status !== 409) throw new Error(`integration: ${integration.status} ${await integration.text()}`);
  const token = `tok_${randomBytes(16).toString('hex')}`;
  fake.tokens.add(token);
  const connection = await runtime.call('/v1/connections', { method: 'POST', key: options.apiKey, json: { integration: key, name: `Registering ${key}`, credentials: { token } } });
  if (connection.status !== 201) throw new Error(`connection: ${connection.status} ${await connection.text()}`);
  return (await connection.json()).id as string;
}
