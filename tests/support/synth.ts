import { App, NestedStack, Stack, type CfnElement } from 'aws-cdk-lib';
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
  /**
   * The parent stack's template and each nested stack's as one: all their resources, with
   * cross-stack references resolved (see `combine`), and the parent's outputs.
   */
  template: Template;
  resources: Record<string, Json>;
  /** Each stack's own template, as CloudFormation receives it, by construct path (`Junction`, `Junction/OauthFunctions`). */
  templates: Record<string, Json>;
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
  const { templates, resources, outputs } = combine(stack);
  // cdk-nag walks the construct tree, nested stacks included.
  const nagFindings = new AwsSolutionsChecks().validateScope(app).violations.flatMap((violation) =>
    violation.violatingResources.map((r) => `${violation.severity} ${violation.ruleName} ${r.constructPath}`),
  );
  return { stack, template: Template.fromJSON({ Resources: resources, Outputs: outputs }), resources, templates, nagFindings };
}

/** A stack's template, and where its cross-stack references lead. */
interface Scope {
  template: Json;
  /** A nested stack's parameters, as its parent's AWS::CloudFormation::Stack resource feeds them (in the parent's terms). */
  parameters: Json;
  parent: Scope | null;
  /** The nested stacks, by the logical id of their AWS::CloudFormation::Stack resource in this template. */
  children: Record<string, Scope>;
}

/**
 * Every template of the stack, and their resources side by side: logical ids are unique
 * across them (each stack's come from construct paths under it, named after the declared
 * functions). CDK passes a parent's value into a nested stack as a parameter, read there
 * as `{ Ref: 'referencetoJunctionMainTable…Arn' }`, and a nested stack's value out as an
 * output, read in the parent as `{ 'Fn::GetAtt': ['<stack resource>', 'Outputs.<name>'] }`.
 * Both are resolved to what they carry, so a domain's policy reads
 * `{ 'Fn::GetAtt': ['MainTable…', 'Arn'] }` as it would in one stack.
 */
function combine(stack: JunctionStack): { templates: Record<string, Json>; resources: Record<string, Json>; outputs: Json } {
  const top: Scope = { template: Template.fromStack(stack).toJSON(), parameters: {}, parent: null, children: {} };
  const scopes = new Map<Stack, Scope>([[stack, top]]);
  // findAll lists a parent before what it holds.
  for (const nested of stack.node.findAll().filter(NestedStack.isNestedStack)) {
    const parent = scopes.get(nested.nestedStackParent!)!;
    const resourceId = logicalId(nested.nestedStackResource!);
    const scope: Scope = {
      template: Template.fromStack(nested).toJSON(),
      parameters: parent.template.Resources[resourceId].Properties.Parameters ?? {},
      parent,
      children: {},
    };
    parent.children[resourceId] = scope;
    scopes.set(nested, scope);
  }

  const templates: Record<string, Json> = {};
  const resources: Record<string, Json> = {};
  for (const [owner, scope] of scopes) {
    templates[owner.node.path] = scope.template;
    for (const [id, resource] of Object.entries(scope.template.Resources as Record<string, Json>)) {
      if (id in resources) throw new Error(`${id} names a resource in two of the stack's templates: combine cannot tell them apart`);
      resources[id] = resolveAcross(scope, resource);
    }
  }
  return { templates, resources, outputs: resolveAcross(top, top.template.Outputs ?? {}) };
}

function resolveAcross(scope: Scope, value: any): any {
  if (Array.isArray(value)) return value.map((item) => resolveAcross(scope, item));
  if (value === null || typeof value !== 'object') return value;
  const [key, ...others] = Object.keys(value);
  if (others.length === 0 && key === 'Ref' && scope.parent && Object.hasOwn(scope.parameters, value.Ref)) {
    return resolveAcross(scope.parent, scope.parameters[value.Ref]);
  }
  if (others.length === 0 && key === 'Fn::GetAtt') {
    const [id, attribute] = value['Fn::GetAtt'] as [string, string];
    const nested = scope.children[id];
    if (nested && attribute.startsWith('Outputs.')) {
      return resolveAcross(nested, nested.template.Outputs[attribute.slice('Outputs.'.length)].Value);
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveAcross(scope, v)]));
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
