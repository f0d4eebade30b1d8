import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Declaration } from '../../infra/declaration';
import { JunctionStack } from '../../infra/aws/stack';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Json = Record<string, any>;

export interface Synthesized {
  stack: JunctionStack;
  template: Template;
  resources: Record<string, Json>;
  /** cdk-nag's AwsSolutions findings left after acknowledgments, as `severity rule path`. */
  nagFindings: string[];
}

/**
 * Synthesizes the stack the way `cdk synth` does (cdk.json's context: feature flags and
 * settings), except that esbuild does not run: `aws:cdk:bundling-stacks: []` makes
 * NodejsFunction skip bundling, which is what the template's assertions do not need and
 * what costs seconds per synth. `overrides` act as `-c name=value` does (`undefined`
 * removes a value).
 */
export function synthesize(declaration: Declaration, overrides: Record<string, unknown> = {}): Synthesized {
  const { context } = JSON.parse(readFileSync(resolve(root, 'cdk.json'), 'utf8'));
  const merged = Object.fromEntries(
    Object.entries({ ...context, ...overrides, 'aws:cdk:bundling-stacks': [] }).filter(([, value]) => value !== undefined),
  );
  const app = new App({ context: merged });
  const stack = new JunctionStack(app, 'Junction', { declaration });
  const template = Template.fromStack(stack);
  const nagFindings = new AwsSolutionsChecks().validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((r) => `${violation.severity} ${violation.ruleName} ${r.constructPath}`),
  );
  return { stack, template, resources: template.toJSON().Resources, nagFindings };
}

export function logicalId(construct: IConstruct): string {
  const cfn = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(cfn).getLogicalId(cfn);
}

/** Every statement of every policy attached to a function's role. */
export function statementsOf(synthesized: Synthesized, functionName: string): Json[] {
  const fn = synthesized.stack.functions[functionName];
  if (!fn) throw new Error(`no function ${functionName}`);
  const role = logicalId(fn.role!);
  return Object.values(synthesized.resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((ref: Json) => ref.Ref === role))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** The actions a function may take on one resource of the stack (by its logical id). */
export function actionsOn(synthesized: Synthesized, functionName: string, resourceLogicalId: string): string[] {
  return statementsOf(synthesized, functionName)
    .filter((statement) => JSON.stringify(statement.Resource).includes(`"${resourceLogicalId}"`))
    .flatMap((statement) => [statement.Action].flat());
}

export function environmentOf(synthesized: Synthesized, functionName: string): Record<string, unknown> {
  const fn = synthesized.stack.functions[functionName];
  if (!fn) throw new Error(`no function ${functionName}`);
  return synthesized.resources[logicalId(fn)]!.Properties.Environment.Variables;
}
