import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateEnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { validateOrganization } from '../../../functions/domain/organization.js';
import { validSpec } from '../../support/fixtures.js';

const example = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../docs/examples/${name}`, import.meta.url), 'utf8'));

// The README's walkthrough sends these files: they must stay what the API accepts.
describe('docs/examples', () => {
  it('spec.json is a valid environment spec, the sample every test provisions', () => {
    const spec = example('spec.json');
    expect(validateEnvironmentSpec(spec)).toMatchObject({ ok: true });
    expect(spec).toEqual(validSpec());
  });

  it('org.json is a valid organization', () => {
    expect(validateOrganization(example('org.json'))).toMatchObject({ ok: true });
  });
});
