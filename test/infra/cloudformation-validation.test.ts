/**
 * CDK's built-in CloudFormation validation, as `cdk synth` runs it: with cdk.json's context, whose
 * `@aws-cdk/core:validateAgainstDefaultRules` makes every finding an error that fails the synth.
 * The other template tests synthesize with this validation off (test/support/synth.ts): this file
 * is where it is proven, once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { SlipwayStack } from '../../infra/slipway-stack.js';

const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const env = { account: '123456789012', region: 'eu-west-1' };
/** An app with cdk.json's context, the way the CDK CLI builds it (no bundling: the template is the subject). */
const cdkApp = () => new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });

describe("CDK's CloudFormation validation with cdk.json's rules", () => {
  it('is enabled as errors by cdk.json', () => {
    expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  });

  // The first validation in a process starts CloudFormation's rule engine (WebAssembly): seconds.
  it('passes for the Slipway stack', { timeout: 180_000 }, () => {
    const app = cdkApp();
    new SlipwayStack(app, 'Slipway', { env });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails the synth on a resource CloudFormation would refuse, so the check above can fail', () => {
    const app = cdkApp();
    const stack = new Stack(app, 'Broken', { env });
    new CfnResource(stack, 'Topic', { type: 'AWS::SNS::Topic', properties: { NoSuchProperty: 'x' } });
    expect(() => app.synth()).toThrow(/NoSuchProperty/);
  });
});
