import { randomBytes } from 'node:crypto';
import type { FakeProvider } from '../fakes/provider';
import { behindTls, type TlsFront } from '../fakes/tls';
import { customIntegration } from './good-bodies';
import type { TestRuntime } from './runtime';

/**
 * A fake provider the runtime's proxy reaches: behind TLS (the fake's links name the https
 * address), a custom integration of the tenant's whose base URL is it, and a connection
 * with a bearer token the fake accepts. Call `trust([front.caPem])` (tests/fakes/tls.ts)
 * before the first proxied request.
 */
export async function frontOf(fake: FakeProvider): Promise<TlsFront> {
  const front = await behindTls(fake);
  fake.publicUrl = front.url;
  return front;
}

export async function proxiedConnection(runtime: TestRuntime, front: TlsFront, fake: FakeProvider, key: string, options: { apiKey?: string } = {}): Promise<string> {
  const integration = await runtime.call('/v1/integrations', { method: 'POST', key: options.apiKey, json: { ...customIntegration(key), baseUrl: front.url } });
  if (integration.status !== 201 && integration.status !== 409) throw new Error(`integration: ${integration.status} ${await integration.text()}`);
  const token = `tok_${randomBytes(16).toString('hex')}`;
  fake.tokens.add(token);
  const connection = await runtime.call('/v1/connections', { method: 'POST', key: options.apiKey, json: { integration: key, name: `Proxied ${key}`, credentials: { token } } });
  if (connection.status !== 201) throw new Error(`connection: ${connection.status} ${await connection.text()}`);
  return (await connection.json()).id as string;
}
