import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { authorizerOf, routesOf, splitRoute, type AuthorizerDeclaration, type Declaration } from '../declaration';
import { pascalCase } from './names';
import type { DeploySettings } from './settings';

/**
 * The HTTP API: one route per declared route function, each behind the Lambda authorizer
 * exactly when its contract names a scope (`$default` never is). `stageThrottle` limits
 * the whole API (see `DeploySettings`). The API, its stage and authorizer belong to
 * `scope`; each route, with its integration and invoke permission, to its function's stack.
 */
export function createHttpApi(
  scope: Construct,
  declaration: Declaration,
  functions: Record<string, lambda.IFunction>,
  stageThrottle: DeploySettings['stageThrottle'],
): apigw.HttpStage {
  const { cors } = declaration.api;
  const api = new apigw.HttpApi(scope, 'HttpApi', {
    apiName: Stack.of(scope).stackName,
    // Our own $default stage below, to give it access logs and throttling.
    createDefaultStage: false,
    corsPreflight: {
      allowOrigins: cors.allowOrigins,
      allowMethods: cors.allowMethods.map((method) => oneOf(apigw.CorsHttpMethod, method)),
      allowHeaders: cors.allowHeaders,
      exposeHeaders: cors.exposeHeaders,
      maxAge: Duration.seconds(cors.maxAgeSeconds),
    },
  });
  const stage = new apigw.HttpStage(api, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    throttle: stageThrottle,
    accessLogSettings: {
      destination: new apigw.LogGroupLogDestination(
        new logs.LogGroup(scope, 'HttpApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH }),
      ),
      format: accessLogFormat,
    },
  });

  const [authorizerName, authorizerDeclaration] = authorizerOf(declaration);
  const authorizer = createAuthorizer(api, functionNamed(functions, authorizerName), authorizerDeclaration);

  for (const [name, declared] of routesOf(declaration)) {
    const id = pascalCase(name);
    const fn = functionNamed(functions, name);
    // Beside its function, in the function's domain stack: the routes' resources grow with the functions.
    const route = new apigw.HttpRoute(Stack.of(fn), `${id}Route`, {
      httpApi: api,
      routeKey: routeKeyOf(declared.route),
      integration: new HttpLambdaIntegration(`${id}Integration`, fn),
      authorizer: declared.contract.scope === null ? undefined : authorizer,
    });
    if (declared.contract.scope === null) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${declared.route} is public by design (its contract takes no API key); every route whose contract names a scope goes through the Lambda authorizer.`,
      });
    }
  }
  return stage;
}

/**
 * The Lambda authorizer (simple responses, cached per identity source), in the API's own
 * stack; routes in every domain stack refer to it by id. CDK's HttpLambdaAuthorizer would
 * create it in the stack of the first route that uses it instead, one domain's. Its invoke
 * permission stays here too: in the authorizer function's stack it would name the
 * authorizer's id, which names that function's ARN, a cycle between the two stacks.
 */
function createAuthorizer(api: apigw.HttpApi, fn: lambda.IFunction, declared: AuthorizerDeclaration): apigw.IHttpRouteAuthorizer {
  const stack = Stack.of(api);
  const authorizer = new apigw.HttpAuthorizer(api, 'ApiKeyAuthorizer', {
    httpApi: api,
    authorizerName: 'ApiKeyAuthorizer',
    type: apigw.HttpAuthorizerType.LAMBDA,
    authorizerUri: `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/${fn.functionArn}/invocations`,
    identitySource: declared.identitySource,
    enableSimpleResponses: true,
    payloadFormatVersion: apigw.AuthorizerPayloadVersion.VERSION_2_0,
    resultsCacheTtl: Duration.seconds(declared.resultsCacheTtlSeconds),
  });
  fn.addPermission('ApiKeyAuthorizerInvoke', {
    scope: authorizer,
    principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    sourceArn: stack.formatArn({ service: 'execute-api', resource: api.apiId, resourceName: `authorizers/${authorizer.authorizerId}` }),
  });
  return apigw.HttpAuthorizer.fromHttpAuthorizerAttributes(api, 'ApiKeyAuthorizerForRoutes', {
    authorizerId: authorizer.authorizerId,
    authorizerType: 'CUSTOM', // a route's AuthorizationType for a Lambda authorizer
  });
}

/** HTTP API access logs take only `$context` variables; JSON so Logs Insights can query them. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTimeEpoch',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    latencyMs: '$context.responseLatency',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    userAgent: '$context.identity.userAgent',
  }),
);

function routeKeyOf(route: string): apigw.HttpRouteKey {
  if (route === '$default') return apigw.HttpRouteKey.DEFAULT;
  const { method, path } = splitRoute(route);
  return apigw.HttpRouteKey.with(path, oneOf(apigw.HttpMethod, method));
}

function oneOf<T extends string>(values: Record<string, T>, value: string): T {
  const found = Object.values(values).find((v) => v === value);
  if (!found) throw new Error(`"${value}" is not one of ${Object.values(values).join(', ')}`);
  return found;
}

function functionNamed(functions: Record<string, lambda.IFunction>, name: string): lambda.IFunction {
  const found = functions[name];
  if (!found) throw new Error(`no function named ${name}`);
  return found;
}
