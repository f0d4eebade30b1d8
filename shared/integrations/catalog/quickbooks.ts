import type { IntegrationInput } from '../schema';

export const quickbooks: IntegrationInput = {
  key: 'quickbooks',
  name: 'QuickBooks Online',
  category: 'accounting',
  description: 'Invoices, customers, payments and reports of a QuickBooks Online company.',
  docsUrl: 'https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account',
  baseUrl: 'https://quickbooks.api.intuit.com/v3/company/{realmId}',
  params: [
    {
      name: 'realmId',
      label: 'Company id (realm id)',
      description: 'The company id Intuit sends back with the authorization code as realmId.',
      pattern: '[0-9]{1,20}',
      hint: 'digits only',
      maxLength: 20,
      required: true,
      example: '9130350000000001',
    },
  ],
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // The refresh token may change on any refresh (100-day lifetime): always store the latest.
    // Revocation (developer.api.intuit.com) takes a JSON body, which this schema cannot express yet.
    authorizationUrl: 'https://appcenter.intuit.com/connect/oauth2',
    tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
    scopeSeparator: ' ',
    defaultScopes: ['com.intuit.quickbooks.accounting'],
    pkce: 'unsupported',
    clientAuth: 'basic',
    tokens: { accessTokenLifetimeSeconds: 3600, refreshTokens: 'rotating' },
  },
  check: { method: 'GET', path: '/companyinfo/{realmId}' },
  rateLimits: [
    {
      requests: 500,
      perSeconds: 60,
      per: 'app-per-account',
      note: 'per company (realm); 10 concurrent requests',
    },
  ],
};
