import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { namedSettings, routesOf, type Declaration } from '../../../../infra/declaration';
import { domainOf } from '../../../../infra/aws/stack';
import { declaration } from '../../../../infra/functions';
import { resourceEnv } from '../../../../shared/platform/resource-env';
import { actionsOn, environmentOf, logicalId, statementsOf, synthesize, type Synthesized } from '../../../support/synth';

let synthesized: Synthesized;
beforeAll(() => {
  synthesized = synthesize(declaration);
});

const resourcesOfType = (type: string) =>
  Object.entries(synthesized.resources).filter(([, resource]) => resource.Type === type);

describe('the Junction stack', () => {
  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    expect(synthesized.nagFindings).toEqual([]);
  });

  it('synthesizes without CDK warnings or errors', () => {
    // The parent's annotations include those of its nested stacks.
    const annotations = Annotations.fromStack(synthesized.stack);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('has two customer-managed keys, the vault\'s and one for storage at rest, both rotated and kept on delete', () => {
    const keys = resourcesOfType('AWS::KMS::Key').map(([id]) => id).sort();
    const { key, storageKey } = synthesized.stack.resources;
    expect(keys).toEqual([logicalId(key), logicalId(storageKey)].sort());
    for (const id of keys) {
      expect(synthesized.resources[id]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    }
  });

  it('names the vault\'s key by the declared alias, and the storage key after it', () => {
    const aliases = Object.fromEntries(
      resourcesOfType('AWS::KMS::Alias').map(([, alias]) => [alias.Properties.AliasName, alias.Properties.TargetKeyId]),
    );
    const { key, storageKey } = synthesized.stack.resources;
    expect(aliases).toEqual({
      [`alias/${declaration.resources.key.alias}`]: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
      [`alias/${declaration.resources.key.alias}-storage`]: { 'Fn::GetAtt': [logicalId(storageKey), 'Arn'] },
    });
  });

  it('makes every declared table on-demand, recoverable, encrypted with the storage key and kept on delete', () => {
    const key = logicalId(synthesized.stack.resources.storageKey);
    for (const [name, declared] of Object.entries(declaration.resources.tables)) {
      const table = synthesized.resources[logicalId(synthesized.stack.resources.tables[name]!)]!;
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
        KeySchema: [
          { AttributeName: declared.partitionKey, KeyType: 'HASH' },
          { AttributeName: declared.sortKey, KeyType: 'RANGE' },
        ],
      });
      expect(table.Properties.TimeToLiveSpecification).toEqual(
        declared.ttlAttribute ? { AttributeName: declared.ttlAttribute, Enabled: true } : undefined,
      );
      const indexes = (table.Properties.GlobalSecondaryIndexes ?? []).map((index: any) => ({
        name: index.IndexName,
        keys: index.KeySchema.map((k: any) => k.AttributeName),
        projection: index.Projection.ProjectionType,
      }));
      expect(indexes).toEqual(
        Object.entries(declared.indexes).map(([indexName, index]) => ({
          name: indexName,
          keys: [index.partitionKey, index.sortKey],
          projection: 'ALL',
        })),
      );
    }
  });

  it('keeps the uploads bucket private, TLS-only, SSE-KMS with the storage key, logged, and aborts abandoned multipart uploads', () => {
    const bucket = synthesized.resources[logicalId(synthesized.stack.resources.bucket!)]!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(synthesized.stack.resources.storageKey), 'Arn'] },
            },
          },
        ],
      },
      LifecycleConfiguration: {
        Rules: [
          {
            AbortIncompleteMultipartUpload: {
              DaysAfterInitiation: declaration.resources.bucket!.abortIncompleteUploadsAfterDays,
            },
            Status: 'Enabled',
          },
          // Inbound webhook bodies outlive their events by a day, never less.
          { Prefix: 'inbound/', ExpirationInDays: Number(synthesized.stack.node.tryGetContext('eventRetentionDays')) + 1, Status: 'Enabled' },
        ],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.any(String) } },
    });
    expect(bucket.Properties.CorsConfiguration.CorsRules).toEqual([
      // Browsers PUT parts and read each one's ETag (and checksum) to record it; downloads are GETs.
      expect.objectContaining({ AllowedMethods: ['PUT', 'GET'], ExposedHeaders: ['ETag', 'x-amz-checksum-sha256', 'x-amz-request-id'] }),
    ]);
    synthesized.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(synthesized.stack.resources.bucket!) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('deploys each declared function, and nothing else, as nodejs24.x on arm64 with active tracing', () => {
    const functions = resourcesOfType('AWS::Lambda::Function');
    expect(functions).toHaveLength(Object.keys(declaration.functions).length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('uses the declared memory and timeout, or 256 MB and 10 s', () => {
    for (const [name, declared] of Object.entries(declaration.functions)) {
      const fn = synthesized.resources[logicalId(synthesized.stack.functions[name]!)]!;
      expect([name, fn.Properties.MemorySize, fn.Properties.Timeout]).toEqual([
        name,
        declared.memoryMb ?? 256,
        declared.timeoutSeconds ?? 10,
      ]);
    }
  });

  it('gives each function its own log group with a retention', () => {
    for (const fn of Object.values(synthesized.stack.functions)) {
      const logGroup = synthesized.resources[logicalId(fn)]!.Properties.LoggingConfig.LogGroup;
      expect(synthesized.resources[logGroup.Ref]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  it('hands each function only the variables of the resources it declares, and the budget to routes that spend it', () => {
    for (const [name, declared] of Object.entries(declaration.functions)) {
      const expected = [
        'POWERTOOLS_SERVICE_NAME',
        'NODE_OPTIONS',
        ...(declared.kind === 'route' && declared.contract.scope !== null ? ['RATE_LIMIT_PER_MINUTE'] : []),
        ...(['write', 'readwrite'].includes(declared.access.tables?.main ?? '') ? ['EVENT_RETENTION_DAYS'] : []),
        ...(declared.settings ?? []).map((setting) => namedSettings[setting]),
        ...Object.keys(declared.access.tables ?? {}).map(resourceEnv.table),
        ...Object.keys(declared.access.queues ?? {}).map(resourceEnv.queue),
        ...(declared.access.bucket ? [resourceEnv.bucket] : []),
        ...(declared.access.key ? [resourceEnv.key] : []),
      ];
      expect([name, Object.keys(environmentOf(synthesized, name)).sort()]).toEqual([name, expected.sort()]);
    }
  });

  it("runs every function with Node's own source-map support, so stack traces point at the TypeScript", () => {
    for (const name of Object.keys(declaration.functions)) {
      expect([name, environmentOf(synthesized, name).NODE_OPTIONS]).toEqual([name, '--enable-source-maps']);
    }
  });

  it('gives openapi no table variable and listApiKeys the main table name', () => {
    expect(environmentOf(synthesized, 'openapi')).not.toHaveProperty('MAIN_TABLE_NAME');
    expect(environmentOf(synthesized, 'listApiKeys')).toMatchObject({
      MAIN_TABLE_NAME: { Ref: logicalId(synthesized.stack.resources.tables.main!) },
    });
  });

  it('grants the openapi function no DynamoDB, S3, SQS or KMS action', () => {
    const actions = statementsOf(synthesized, 'openapi').flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => /^(dynamodb|s3|sqs|kms):/.test(a))).toEqual([]);
  });

  it('lets getApiKey read the main table but not write it', () => {
    const actions = actionsOn(synthesized, 'getApiKey', logicalId(synthesized.stack.resources.tables.main!));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(actions.filter((a) => /Put|Update|Delete|Write/.test(a))).toEqual([]);
  });

  it('lets health describe the table, bucket and key, and do nothing else with them', () => {
    const { tables, bucket, key } = synthesized.stack.resources;
    expect(actionsOn(synthesized, 'health', logicalId(tables.main!))).toEqual(['dynamodb:DescribeTable']);
    expect(actionsOn(synthesized, 'health', logicalId(bucket!))).toEqual(['s3:ListBucket']);
    expect(actionsOn(synthesized, 'health', logicalId(key))).toEqual(['kms:DescribeKey']);
  });

  it('lets the authorizer, which only reads the encrypted table, decrypt with the storage key but not encrypt', () => {
    expect(declaration.functions.authorizer!.access).toEqual({ tables: { main: 'read' } });
    const actions = actionsOn(synthesized, 'authorizer', logicalId(synthesized.stack.resources.storageKey));
    expect(actions).toContain('kms:Decrypt');
    expect(actions).not.toContain('kms:Encrypt');
  });

  it('gives the authorizer no action on the vault\'s key', () => {
    expect(actionsOn(synthesized, 'authorizer', logicalId(synthesized.stack.resources.key))).toEqual([]);
  });

  it('grants a wildcard resource to no function except for X-Ray, which has no resource-level permissions', () => {
    const wildcards = Object.entries(declaration.functions)
      .filter(([, declared]) => declared.kind !== 'stream')
      .flatMap(([name]) => statementsOf(synthesized, name).filter((s) => s.Resource === '*'));
    expect(new Set(wildcards.flatMap((s) => [s.Action].flat()))).toEqual(
      new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
    );
  });

  it('grants a stream reader no wildcard but X-Ray and dynamodb:ListStreams, which Lambda\'s event source mapping needs and which has no resource-level permissions', () => {
    const wildcards = statementsOf(synthesized, 'webhookRelay').filter((s) => s.Resource === '*');
    expect(new Set(wildcards.flatMap((s) => [s.Action].flat()))).toEqual(
      new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'dynamodb:ListStreams']),
    );
  });

  it('attaches no managed policy to function roles', () => {
    for (const [, role] of resourcesOfType('AWS::IAM::Role')) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('alarms on every function\'s errors and throttles over five minutes', () => {
    for (const fn of Object.values(synthesized.stack.functions)) {
      for (const metric of ['Errors', 'Throttles']) {
        synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn) } }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        });
      }
    }
  });

  it('alarms on the metrics a function declares as trouble, with the dimension its metrics carry', () => {
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SyncRunsStalled',
      Namespace: 'Junction',
      Dimensions: [{ Name: 'service', Value: 'junction' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
    });
  });
});

describe('the HTTP API', () => {
  const routes = () => resourcesOfType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

  it('has exactly the declared routes, each integrated with its own function', () => {
    const integrations = Object.fromEntries(resourcesOfType('AWS::ApiGatewayV2::Integration'));
    const byKey = Object.fromEntries(routes().map((route) => [route.RouteKey, route]));
    expect(Object.keys(byKey).sort()).toEqual(routesOf(declaration).map(([, r]) => r.route).sort());
    for (const [name, declared] of routesOf(declaration)) {
      const integration = integrations[byKey[declared.route].Target['Fn::Join'][1][1].Ref];
      expect([declared.route, integration?.Properties.IntegrationUri]).toEqual([
        declared.route,
        { 'Fn::GetAtt': [logicalId(synthesized.stack.functions[name]!), 'Arn'] },
      ]);
    }
  });

  it('puts the authorizer in front of a route exactly when its contract names a scope', () => {
    const byKey = Object.fromEntries(routes().map((route) => [route.RouteKey, route]));
    for (const [, declared] of routesOf(declaration)) {
      const protectedRoute = declared.contract.scope !== null;
      expect([declared.route, byKey[declared.route].AuthorizationType]).toEqual([
        declared.route,
        protectedRoute ? 'CUSTOM' : 'NONE',
      ]);
      expect(byKey[declared.route].AuthorizerId !== undefined).toBe(protectedRoute);
    }
    expect(byKey.$default.AuthorizationType).toBe('NONE');
  });

  it('lets API Gateway invoke the authorizer function as this API\'s authorizer, and for nothing else', () => {
    const [authorizerId] = resourcesOfType('AWS::ApiGatewayV2::Authorizer').map(([id]) => id);
    const authorizer = logicalId(synthesized.stack.functions.authorizer!);
    const permissions = resourcesOfType('AWS::Lambda::Permission')
      .map(([, permission]) => permission.Properties)
      .filter((properties) => properties.FunctionName['Fn::GetAtt']?.[0] === authorizer);
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [authorizer, 'Arn'] },
        Principal: 'apigateway.amazonaws.com',
        SourceArn: {
          'Fn::Join': [
            '',
            expect.arrayContaining([{ Ref: logicalId(synthesized.stack.node.findChild('HttpApi')) }, '/authorizers/', { Ref: authorizerId }]),
          ],
        },
      },
    ]);
  });

  it('caches the authorizer function\'s simple responses for 60 seconds per Authorization header', () => {
    const authorizers = resourcesOfType('AWS::ApiGatewayV2::Authorizer').map(([, a]) => a.Properties);
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 60,
      IdentitySource: ['$request.header.Authorization'],
    });
    expect(JSON.stringify(authorizers[0].AuthorizerUri)).toContain(
      `"${logicalId(synthesized.stack.functions.authorizer!)}"`,
    );
  });

  it('answers CORS preflights as declared', () => {
    const { cors } = declaration.api;
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: cors.allowOrigins,
        AllowMethods: cors.allowMethods,
        AllowHeaders: cors.allowHeaders,
        ExposeHeaders: cors.exposeHeaders,
        MaxAge: cors.maxAgeSeconds,
      },
    });
  });

  it('logs access and throttles requests on the default stage', () => {
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context.requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
    });
  });

  it('outputs the API URL, each table name, the bucket name, the vault key\'s ARN, the alarm topic and the dashboard', () => {
    const outputs = Object.keys(synthesized.template.toJSON().Outputs);
    expect(outputs.sort()).toEqual(
      [
        'ApiUrl',
        'AlarmTopicArn',
        'DashboardName',
        'KeyArn',
        'UploadsBucketName',
        ...Object.keys(declaration.resources.tables).map((t) => `${t[0]!.toUpperCase()}${t.slice(1)}TableName`),
      ].sort(),
    );
    expect(outputs).toContain('MainTableName');
    // rotate-credentials-key --stack re-seals onto the key this output names.
    expect(synthesized.template.toJSON().Outputs.KeyArn.Value).toEqual({
      'Fn::GetAtt': [logicalId(synthesized.stack.resources.key), 'Arn'],
    });
  });
});

describe('the stacks', () => {
  const domains = (d: Declaration) => new Set(Object.values(d.functions).map((declared) => domainOf(declared.entry)));
  const resourcesIn = (template: Record<string, any>): Array<Record<string, any>> => Object.values(template.Resources);
  const parentOf = (s: Synthesized) => s.templates[s.stack.node.path]!;
  /** The construct path of the stack whose template holds a logical id. */
  const stackHolding = (id: string) =>
    Object.entries(synthesized.templates).find(([, template]) => id in template.Resources)![0];

  it('keep the shared resources, the HTTP API, its stage and authorizer in the parent, and no function', () => {
    const types = new Set(resourcesIn(parentOf(synthesized)).map((r) => r.Type));
    const shared = ['AWS::KMS::Key', 'AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::S3::Bucket'];
    const api = ['AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Stage', 'AWS::ApiGatewayV2::Authorizer'];
    const functions = ['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::ApiGatewayV2::Route', 'AWS::ApiGatewayV2::Integration'];
    expect([...shared, ...api, ...functions].filter((type) => types.has(type))).toEqual([...shared, ...api]);
  });

  it('hold each domain\'s functions, with their roles and routes, in a nested stack of its own', () => {
    const routeIds = Object.fromEntries(resourcesOfType('AWS::ApiGatewayV2::Route').map(([id, route]) => [route.Properties.RouteKey, id]));
    const stacksByDomain: Record<string, Set<string>> = {};
    for (const [name, declared] of Object.entries(declaration.functions)) {
      const fn = synthesized.stack.functions[name]!;
      const ids = [logicalId(fn), logicalId(fn.role!), ...(declared.kind === 'route' ? [routeIds[declared.route]!] : [])];
      for (const id of ids) (stacksByDomain[domainOf(declared.entry)] ??= new Set()).add(stackHolding(id));
    }
    const domainStacks = Object.entries(stacksByDomain).map(([domain, paths]) => [domain, [...paths]] as const);
    expect(domainStacks.map(([domain, paths]) => [domain, paths.length])).toEqual(domainStacks.map(([domain]) => [domain, 1]));
    const paths = domainStacks.map(([, [path]]) => path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).not.toContain(synthesized.stack.node.path);
    expect(resourcesIn(parentOf(synthesized)).filter((r) => r.Type === 'AWS::CloudFormation::Stack')).toHaveLength(paths.length);
  });

  it('stay under CloudFormation\'s 500 resources each with 60 more routes, and the parent does not grow with them', () => {
    // Each function brings about nine resources: 60 more would take one stack past 500.
    const routes = routesOf(declaration);
    const more = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`scaleProbe${i}`, { ...routes[i % routes.length]![1], route: `GET /v1/scale-probes/${i}` }]),
    );
    const grownDeclaration: Declaration = { ...declaration, functions: { ...declaration.functions, ...more } };
    const grown = synthesize(grownDeclaration);

    expect(domains(grownDeclaration)).toEqual(domains(declaration));
    expect(Object.keys(grown.resources).length).toBeGreaterThan(500);
    for (const [path, template] of Object.entries(grown.templates)) {
      expect([path, resourcesIn(template).length < 500]).toEqual([path, true]);
    }
    expect(resourcesIn(parentOf(grown)).length).toBe(resourcesIn(parentOf(synthesized)).length);
  });
});
