import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { authorizerOf, routesOf, splitRoute, type Declaration } from '../declaration';
import { pascalCase } from './names';
import type { DeploySettings } from './settings';

/**
 * The HTTP API: one route per declared route function, each behind the Lambda authorizer
 * exactly when its contract names a scope (`$default` never is). `stageThrottle` limits
 * the whole API (see `DeploySettings`).
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
  const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', functionNamed(functions, authorizerName), {
    responseTypes: [HttpLambdaResponseType.SIMPLE],
    identitySource: authorizerDeclaration.identitySource,
    resultsCacheTtl: Duration.seconds(authorizerDeclaration.resultsCacheTtlSeconds),
  });

  for (const [name, declared] of routesOf(declaration)) {
    const id = pascalCase(name);
    const route = new apigw.HttpRoute(api, `${id}Route`, {
      httpApi: api,
      routeKey: routeKeyOf(declared.route),
      integration: new HttpLambdaIntegration(`${id}Integration`, functionNamed(functions, name)),
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
