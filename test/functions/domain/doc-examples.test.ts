import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateClusterSpec } from '../../../functions/domain/cluster.js';
import { parseSharedRequest, resolveSharedSpec } from '../../../functions/domain/cluster-placement.js';
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

  it('cluster.json is a valid shared cluster spec, and tenant.json a placement it can host', () => {
    const cluster = validateClusterSpec(example('cluster.json'), 'shared-eu');
    expect(cluster).toMatchObject({ ok: true });
    if (!cluster.ok) return;
    const request = parseSharedRequest(example('tenant.json'));
    expect(request).toMatchObject({ ok: true, spec: { sharedCluster: 'shared-eu' } });
    if (!request.ok) return;
    expect(
      resolveSharedSpec(request.spec, cluster.spec, { organization: 'acme', environment: 'prod' }),
    ).toMatchObject({
      ok: true,
      spec: { sharedCluster: 'shared-eu', region: 'eu-west-1', kubernetesVersion: '1.30' },
    });
  });

  it('org.json is a valid organization', () => {
    expect(validateOrganization(example('org.json'))).toMatchObject({ ok: true });
  });
});
