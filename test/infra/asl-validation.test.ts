import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { definitionFromTemplate } from '../../local/workflow/definition.js';
import { slipwayTemplateJson } from '../support/shared-template.js';

// asl-validator ships CommonJS without type declarations: describe the one function used here.
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const validate = createRequire(import.meta.url)('asl-validator') as AslValidator;

describe('synthesized state machine definition', () => {
  it('is valid Amazon States Language (asl-validator, paths and ARNs checked)', async () => {
    const definition = definitionFromTemplate(await slipwayTemplateJson());
    const result = validate(definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText(), 'asl-validator errors').toBe('');
    expect(result.isValid).toBe(true);
  });

  it('rejects a broken definition, so the check above can fail', () => {
    const result = validate({ StartAt: 'Missing', States: { Only: { Type: 'Pass', Next: 'Nowhere' } } });
    expect(result.isValid).toBe(false);
  });
});
