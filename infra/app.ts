import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readContext } from './context.js';
import { SlipwayStack } from './slipway-stack.js';

// Synthesizes offline: no lookups, account and region stay tokens unless CDK_DEFAULT_* are set by `cdk deploy`.
const app = new App();
new SlipwayStack(app, 'Slipway', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: 'Slipway control plane: provisions multi-tenant Kubernetes environments',
  ...readContext((key) => app.node.tryGetContext(key)),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
