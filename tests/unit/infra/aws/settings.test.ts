import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routesOf } from '../../../../infra/declaration';
import { declaration } from '../../../../infra/functions';
import { environmentOf, synthesize, type Synthesized } from '../../../support/synth';

const { context } = JSON.parse(
  readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../../../cdk.json'), 'utf8'),
);

/** The routes whose handler wrapper spends the tenant's budget: their contract names a scope. */
const budgeted = routesOf(declaration)
  .filter(([, route]) => route.contract.scope !== null)
  .map(([name]) => name);

/** The maximum concurrency of the delivery worker's SQS event source, as synthesized. */
const deliveryConcurrencyOf = (synthesized: Synthesized) => {
  const mappings = Object.values(synthesized.resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties.FunctionName).includes('DeliverWebhooks'),
  );
  expect(mappings).toHaveLength(1);
  return mappings[0]!.Properties.ScalingConfig?.MaximumConcurrency;
};

const stageThrottleOf = (synthesized: Synthesized) => {
  const stages = Object.values(synthesized.resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  return stages[0]!.Properties.DefaultRouteSettings;
};

describe('deploy settings from cdk.json', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(declaration);
  });

  it('defaults to 1,200 requests per tenant and minute and, for the whole API, 100 per second with bursts of 200', () => {
    expect(context).toMatchObject({ rateLimitPerMinute: 1200, apiThrottleRatePerSecond: 100, apiThrottleBurst: 200 });
  });

  it('caps the delivery worker at 20 batches at once, through its SQS event source', () => {
    expect(context.deliveryMaxConcurrency).toBe(20);
    expect(deliveryConcurrencyOf(synthesized)).toBe(20);
  });

  it('hands RATE_LIMIT_PER_MINUTE to every route that spends a tenant\'s budget', () => {
    expect(budgeted.length).toBeGreaterThan(0);
    for (const name of budgeted) {
      expect([name, environmentOf(synthesized, name).RATE_LIMIT_PER_MINUTE]).toEqual([name, '1200']);
    }
  });

  it('hands RATE_LIMIT_PER_MINUTE to no function that runs no rate limiter', () => {
    const others = Object.keys(declaration.functions).filter((name) => !budgeted.includes(name));
    expect(others).toEqual(expect.arrayContaining(['authorizer', 'health', 'oauthCallback', 'refreshExpiringTokens']));
    for (const name of others) {
      expect([name, environmentOf(synthesized, name)]).toEqual([name, expect.not.objectContaining({ RATE_LIMIT_PER_MINUTE: expect.anything() })]);
    }
  });

  it('hands WEBHOOK_DISABLE_AFTER_DAYS (5) to the delivery workers on both lanes, and to no other function', () => {
    const holders = Object.keys(declaration.functions).filter((name) => environmentOf(synthesized, name).WEBHOOK_DISABLE_AFTER_DAYS !== undefined);
    expect(holders.sort()).toEqual(['deliverWebhookRetries', 'deliverWebhooks']);
    expect(environmentOf(synthesized, 'deliverWebhooks').WEBHOOK_DISABLE_AFTER_DAYS).toBe('5');
  });

  it('throttles the API\'s default stage at apiThrottleRatePerSecond with bursts of apiThrottleBurst', () => {
    expect(stageThrottleOf(synthesized)).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
  });
});

describe('deploy settings overridden with -c', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    // The CLI hands -c values over as strings.
    synthesized = synthesize(declaration, {
      rateLimitPerMinute: '6000',
      apiThrottleRatePerSecond: '500',
      apiThrottleBurst: '1000',
      deliveryMaxConcurrency: '50',
    });
  });

  it('caps the delivery worker at the overridden concurrency', () => {
    expect(deliveryConcurrencyOf(synthesized)).toBe(50);
  });

  it('hands the overridden rateLimitPerMinute to the routes that spend a tenant\'s budget', () => {
    for (const name of budgeted) {
      expect([name, environmentOf(synthesized, name).RATE_LIMIT_PER_MINUTE]).toEqual([name, '6000']);
    }
  });

  it('throttles the API\'s default stage at the overridden rate and burst', () => {
    expect(stageThrottleOf(synthesized)).toEqual({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(synthesized.nagFindings).toEqual([]);
  });
});

describe('a malformed deploy setting', () => {
  it.each([
    ['rateLimitPerMinute', '0'],
    ['rateLimitPerMinute', '-5'],
    ['rateLimitPerMinute', '12.5'],
    ['rateLimitPerMinute', 'lots'],
    ['rateLimitPerMinute', ''],
    ['rateLimitPerMinute', 0],
    ['rateLimitPerMinute', 1.5],
    ['apiThrottleRatePerSecond', 'fast'],
    ['apiThrottleBurst', '0'],
    ['deliveryMaxConcurrency', 'many'],
    ['deliveryRetryMaxConcurrency', '0'],
    ['webhookDisableAfterDays', 'never'],
    ['uploadTenantQuotaGiB', '0'],
    ['uploadTenantOpenSessions', 'lots'],
    ['uploadInlineVerifyMaxMiB', -1],
  ])('fails synth when %s is %j, naming the setting', (name, value) => {
    const synth = () => synthesize(declaration, { [name]: value });
    expect(synth).toThrow(`the CDK context value "${name}"`);
    expect(synth).toThrow(`must be a positive integer, not ${JSON.stringify(value)}: set it in cdk.json's "context" or with -c ${name}=<n>`);
  });

  it.each([1, 1001])('fails synth when deliveryMaxConcurrency is %j, outside what Lambda allows', (value) => {
    expect(() => synthesize(declaration, { deliveryMaxConcurrency: value })).toThrow('must be between 2 and 1000');
  });

  it.each(['rateLimitPerMinute', 'apiThrottleRatePerSecond', 'apiThrottleBurst', 'deliveryMaxConcurrency', 'deliveryRetryMaxConcurrency', 'webhookDisableAfterDays', 'syncStallMinutes', 'uploadTenantQuotaGiB', 'uploadTenantOpenSessions', 'uploadInlineVerifyMaxMiB'])(
    'fails synth when %s is missing, saying how to set it',
    (name) => {
      const synth = () => synthesize(declaration, { [name]: undefined });
      expect(synth).toThrow(`the CDK context value "${name}"`);
      expect(synth).toThrow(`is not set: set it in cdk.json's "context" or with -c ${name}=<n>`);
    },
  );

  it.each(['image', 'image/png;charset=x', 12, 'image/png,'])('fails synth when uploadContentTypes is %j, naming the setting', (value) => {
    const synth = () => synthesize(declaration, { uploadContentTypes: value });
    expect(synth).toThrow('the CDK context value "uploadContentTypes" must be a comma-separated list of type/subtype, type/* or */*');
  });

  it.each(['alerts', 'Alerts <alerts@example.com>', 12, 'a@b'])('fails synth when alertEmailFrom is %j, naming the setting', (value) => {
    const synth = () => synthesize(declaration, { alertEmailFrom: value });
    expect(synth).toThrow('the CDK context value "alertEmailFrom" (the address alert emails come from) must be an email address');
  });

  it('fails synth when alertEmailFrom is missing, saying how to set it', () => {
    expect(() => synthesize(declaration, { alertEmailFrom: undefined })).toThrow(
      `the CDK context value "alertEmailFrom" (the address alert emails come from) is not set: set it in cdk.json's "context" or with -c alertEmailFrom=<address>`,
    );
  });

  it('fails synth when uploadContentTypes is missing, saying how to set it', () => {
    expect(() => synthesize(declaration, { uploadContentTypes: undefined })).toThrow(
      `the CDK context value "uploadContentTypes" (content types uploads may declare) is not set: set it in cdk.json's "context" or with -c uploadContentTypes=<types>`,
    );
  });
});
