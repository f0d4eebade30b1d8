import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { declaration } from '../functions';
import { JunctionStack } from './stack';

/**
 * `npx cdk synth|deploy`. The account and region come from the CLI's environment, so
 * synth needs no credentials. Every synth runs cdk-nag's AwsSolutions pack: a finding
 * without a written acknowledgment fails it.
 */
const app = new App();
new JunctionStack(app, 'Junction', {
  declaration,
  description: 'Junction: integration hub (connections, OAuth2, syncs, webhooks, uploads)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
