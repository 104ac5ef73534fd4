/**
 * The Slipway stack's template (default props, no bundling), synthesized once per `npm test`
 * (test/support/shared-synth.ts). This module imports no CDK: the CDK and the stack's constructs
 * (about 2.5 CPU-s of imports) are loaded only by the one file that synthesizes, so the files that
 * only read the template (the API, hook and workflow harnesses) do not pay for them.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnTemplate } from '../../local/workflow/definition.js';
import { sharedTemplateJson } from './shared-synth.js';

/** The JSON of {@link slipwayTemplate}: a fresh copy each call, so a caller may change it. */
export async function slipwayTemplateJson(): Promise<CfnTemplate & Record<string, unknown>> {
  const text = await sharedTemplateJson('slipway', async () => {
    const { synthSlipway } = await import('./synth.js');
    return JSON.stringify(synthSlipway().template.toJSON());
  });
  return JSON.parse(text) as CfnTemplate & Record<string, unknown>;
}

/** The template of `synthSlipway()` (test/support/synth.ts), synthesized once per `npm test`. */
export async function slipwayTemplate(): Promise<Template> {
  const [{ Template }, json] = await Promise.all([import('aws-cdk-lib/assertions'), slipwayTemplateJson()]);
  return Template.fromJSON(json);
}
