import type { IntegrationInput } from '../schema';
import type { StreamInput } from '../streams';

/**
 * One object through SOQL. `queryAll` rather than `query`, so records deleted into the
 * recycle bin come back with `IsDeleted: true`
 * (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-queryall.html).
 * Answers hold up to 2,000 records, `done`, and `nextRecordsUrl` while more remain.
 * `FIELDS(STANDARD)` needs no LIMIT, unlike FIELDS(ALL)
 * (https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-fields.html).
 * SystemModstamp also moves on system changes, so it misses nothing LastModifiedDate would;
 * a long transaction can commit a stamp a little in the past, hence the lookback.
 */
function sobject(name: string, object: string, description: string): StreamInput {
  const select = `SELECT FIELDS(STANDARD) FROM ${object}`;
  return {
    name,
    description,
    method: 'GET',
    path: '/queryAll',
    query: { q: `${select} ORDER BY SystemModstamp ASC` },
    records: { path: ['records'] },
    primaryKey: ['Id'],
    cursorField: { path: ['SystemModstamp'], format: 'iso8601' },
    // SOQL datetime literals are unquoted ISO 8601 (2024-01-02T03:04:05Z).
    incremental: {
      kind: 'filter',
      field: { in: 'query', name: 'q' },
      format: 'iso8601',
      template: `${select} WHERE SystemModstamp >= {value} ORDER BY SystemModstamp ASC`,
      on: 'modified',
    },
    lookbackSeconds: 300,
    deletions: { kind: 'flag', field: ['IsDeleted'], value: true },
    pagination: { kind: 'next-url', next: ['nextRecordsUrl'], done: ['done'] },
  };
}

export const salesforce: IntegrationInput = {
  key: 'salesforce',
  name: 'Salesforce',
  category: 'crm',
  description: 'Accounts, contacts, opportunities and any object of a Salesforce org, through the REST API.',
  docsUrl: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/',
  baseUrl: 'https://{myDomain}.my.salesforce.com/services/data/v62.0',
  // Every org has a My Domain since Winter '23; logins and the API live under it.
  params: [
    {
      name: 'myDomain',
      label: 'My Domain',
      description: "The org's My Domain name: acme for acme.my.salesforce.com.",
      pattern: '[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?',
      hint: 'the My Domain name (letters, digits, hyphens)',
      maxLength: 40,
      required: true,
      example: 'acme',
    },
  ],
  auth: [{ type: 'oauth2' }],
  oauth2: {
    // The token response carries no expires_in: the session lasts the org's timeout (2 hours by default).
    // Refresh tokens are reusable unless the connected app turns on rotation.
    authorizationUrl: 'https://{myDomain}.my.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://{myDomain}.my.salesforce.com/services/oauth2/token',
    revocation: { url: 'https://{myDomain}.my.salesforce.com/services/oauth2/revoke', style: 'rfc7009' },
    scopeSeparator: ' ',
    defaultScopes: ['api', 'refresh_token'],
    pkce: 'supported',
    clientAuth: 'post',
    tokens: { accessTokenLifetimeSeconds: 7200, refreshTokens: 'static' },
  },
  check: { method: 'GET', path: '/limits' },
  rateLimits: [
    {
      requests: 100000,
      perSeconds: 86400,
      per: 'account',
      note: 'API requests per rolling 24 hours for Enterprise Edition, plus 1,000 per user licence',
    },
  ],
  streams: [
    sobject('accounts', 'Account', 'Accounts with their standard fields, deleted ones flagged IsDeleted.'),
    sobject('contacts', 'Contact', 'Contacts with their standard fields, deleted ones flagged IsDeleted.'),
    sobject('opportunities', 'Opportunity', 'Opportunities with their standard fields, deleted ones flagged IsDeleted.'),
    sobject('leads', 'Lead', 'Leads with their standard fields, deleted ones flagged IsDeleted.'),
  ],
};
