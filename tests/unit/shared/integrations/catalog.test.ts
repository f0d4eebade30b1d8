import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { builtInDefinitions, builtInIntegrations, withDefaults } from '../../../../shared/integrations/catalog';
import { IntegrationDefinition, type Integration } from '../../../../shared/integrations/schema';
import { integrationKeyPattern } from '../../../../shared/integrations/vocabulary';
import { appendPath, fillUrlTemplate } from '../../../../shared/integrations/templates';
import { root } from '../../../support/runtime';

const catalogDir = resolve(root, 'shared/integrations/catalog');
/** Providers whose token endpoint lives on a different domain from their sign-in page, as documented. */
const knownPairs = new Set([
  'accounts.google.com oauth2.googleapis.com',
  'www.dropbox.com api.dropboxapi.com',
  'app.hubspot.com api.hubapi.com',
  'app.intercom.com api.intercom.io',
]);
const sample = (integration: Integration) => Object.fromEntries(integration.params.map((p) => [p.name, p.example]));

describe('the built-in catalog', () => {
  it.each(builtInDefinitions.map((d) => [d.key, d] as const))('%s parses with the integration schema', (_key, definition) => {
    const parsed = IntegrationDefinition.safeParse(definition);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('ships at least 40 integrations, several in every category teams connect to', () => {
    expect(builtInIntegrations.length).toBeGreaterThanOrEqual(40);
    const required = ['crm', 'payments', 'ecommerce', 'communication', 'marketing', 'project-management', 'developer-tools', 'accounting', 'storage', 'analytics'];
    for (const category of required) {
      expect([category, builtInIntegrations.filter((i) => i.category === category).length >= 2]).toEqual([category, true]);
    }
  });

  it('keeps the ten integrations the first issue named', () => {
    const keys = builtInIntegrations.map((i) => i.key);
    for (const key of ['airtable', 'github', 'hubspot', 'notion', 'openai', 'sendgrid', 'shopify', 'slack', 'stripe', 'twilio']) expect(keys).toContain(key);
  });

  it('sends OAuth token requests only over https to the provider family of its authorization URL', () => {
    // A token endpoint on an unrelated host would hand codes and client secrets to a third party.
    const family = (host: string) => host.split('.').slice(-2).join('.');
    for (const integration of builtInIntegrations.filter((i) => i.oauth2)) {
      const values = sample(integration);
      const token = new URL(fillUrlTemplate(integration.oauth2!.tokenUrl, values));
      const authorize = new URL(fillUrlTemplate(integration.oauth2!.authorizationUrl, values));
      expect([integration.key, token.protocol]).toEqual([integration.key, 'https:']);
      const related = family(token.hostname) === family(authorize.hostname) || knownPairs.has(`${authorize.hostname} ${token.hostname}`);
      expect([integration.key, authorize.hostname, token.hostname, related]).toEqual([integration.key, authorize.hostname, token.hostname, true]);
    }
  });

  it('asks for offline access wherever the provider only issues refresh tokens on request', () => {
    const google = builtInIntegrations.filter((i) => i.oauth2?.tokenUrl === 'https://oauth2.googleapis.com/token');
    expect(google.length).toBeGreaterThanOrEqual(2);
    for (const integration of google) expect(integration.oauth2!.authorizationParams).toMatchObject({ access_type: 'offline' });
    const microsoft = builtInIntegrations.filter((i) => i.oauth2?.tokenUrl.startsWith('https://login.microsoftonline.com/'));
    for (const integration of microsoft) expect(integration.oauth2!.defaultScopes).toContain('offline_access');
  });

  it.each(builtInDefinitions.map((d) => [d.key, d] as const))('%s loads exactly as the schema would parse it', (_key, definition) => {
    expect(withDefaults(definition)).toEqual(IntegrationDefinition.parse(definition));
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
