import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SlipwayStack } from './slipway-stack.js';

// Synthesizes offline: no lookups, account and region stay tokens unless CDK_DEFAULT_* are set by `cdk deploy`.
const app = new App();
new SlipwayStack(app, 'Slipway', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  callbackBaseUrl: app.node.tryGetContext('slipway:callbackBaseUrl'),
  gitopsRepository: app.node.tryGetContext('slipway:gitopsRepository'),
  environmentRegions: regionsFromContext(app.node.tryGetContext('slipway:environmentRegions')),
  description: 'Slipway control plane: provisions multi-tenant Kubernetes environments',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

/** `-c slipway:environmentRegions=eu-west-1,us-east-1` → ['eu-west-1', 'us-east-1']. */
function regionsFromContext(value: unknown): string[] | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value.split(',').map((region) => region.trim());
}
