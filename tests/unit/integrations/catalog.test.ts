import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { builtInDefinitions, builtInIntegrations } from '../../../shared/integrations/catalog';
import { IntegrationDefinition, integrationKeyPattern, type Integration } from '../../../shared/integrations/schema';
import { appendPath, fillUrlTemplate } from '../../../shared/integrations/templates';
import { root } from '../../support/runtime';

const catalogDir = resolve(root, 'shared/integrations/catalog');
const sample = (integration: Integration) => Object.fromEntries(integration.params.map((p) => [p.name, p.example]));

describe('the built-in catalog', () => {
  it.each(builtInDefinitions.map((d) => [d.key, d] as const))('%s parses with the integration schema', (_key, definition) => {
    const parsed = IntegrationDefinition.safeParse(definition);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('ships the ten integrations the first issue names', () => {
    expect(builtInIntegrations.map((i) => i.key).sort()).toEqual(
      ['airtable', 'github', 'hubspot', 'notion', 'openai', 'sendgrid', 'shopify', 'slack', 'stripe', 'twilio'],
    );
  });

  it('has unique kebab-case keys', () => {
    const keys = builtInIntegrations.map((i) => i.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect([key, integrationKeyPattern.test(key)]).toEqual([key, true]);
  });

  it('keeps one data file per integration, named after its key, and lists every file', () => {
    const files = readdirSync(catalogDir).filter((f) => f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual(builtInIntegrations.map((i) => i.key).sort());
  });

  it.each(builtInIntegrations.map((i) => [i.key, i] as const))(
    '%s builds every templated URL from its params’ examples',
    (_key, integration) => {
      const values = sample(integration);
      const base = fillUrlTemplate(integration.baseUrl, values);
      const urls = [base, appendPath(base, integration.check.path, values)];
      if (integration.oauth2) {
        urls.push(fillUrlTemplate(integration.oauth2.authorizationUrl, values), fillUrlTemplate(integration.oauth2.tokenUrl, values));
        if (integration.oauth2.revocation) urls.push(fillUrlTemplate(integration.oauth2.revocation.url, values));
      }
      for (const url of urls) {
        expect(url).toMatch(/^https:\/\//);
        expect(url).not.toMatch(/[{}]/);
      }
    },
  );

  it('answers a Shopify shop’s own URLs for its example shop', () => {
    const shopify = builtInIntegrations.find((i) => i.key === 'shopify')!;
    expect(fillUrlTemplate(shopify.baseUrl, { shop: 'acme-store' })).toBe('https://acme-store.myshopify.com/admin/api/2026-07');
    expect(fillUrlTemplate(shopify.oauth2!.tokenUrl, { shop: 'acme-store' })).toBe(
      'https://acme-store.myshopify.com/admin/oauth/access_token',
    );
  });
});
