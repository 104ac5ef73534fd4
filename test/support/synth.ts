import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SlipwayStack, type SlipwayStackProps } from '../../infra/slipway-stack.js';

export interface SynthOptions {
  /** Run esbuild for the Lambda bundles and the GitOps source asset. @default false (template-only tests) */
  readonly bundle?: boolean;
  readonly props?: SlipwayStackProps;
}

/**
 * Synthesizes the Slipway stack in-process, the same way `cdk synth` does (infra/app.ts), with a
 * fixed account and region so the template is deterministic. Bundling is skipped unless asked:
 * CDK's `aws:cdk:bundling-stacks` context set to [] leaves asset code out of template-only tests.
 *
 * CDK's built-in CloudFormation validation is off here: in an App without the cdk.json context it
 * only prints warnings, and it is three quarters of a synth's time. It is proven once, strictly
 * (as `cdk synth` runs it with cdk.json), by test/infra/cloudformation-validation.test.ts.
 *
 * For the stack with default props, use `slipwayTemplate()` (shared-template.ts): one synth shared
 * by the run.
 * This one is for tests that need the construct tree (`app`, `stack`) or other props.
 */
export function synthSlipway(options: SynthOptions = {}) {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new SlipwayStack(app, 'Slipway', {
    env: { account: '123456789012', region: 'eu-west-1' },
    ...options.props,
  });
  return { app, stack, template: Template.fromStack(stack) };
}

// The shared template, for the tests that import this module anyway (shared-template.ts imports no CDK).
export { slipwayTemplate, slipwayTemplateJson } from './shared-template.js';
