/** Callers and arranged state for the API tests: identities per role, organizations, READY environments. */
import { randomBytes } from 'node:crypto';
import type { EnvironmentSpec } from '../../functions/domain/environment-spec.js';
import type { Identity } from './api-events.js';
import type { ApiHarness, ApiResponse } from './api-harness.js';
import { validSpec } from './fixtures.js';

export const PLATFORM_ADMIN: Identity = { sub: 'platform-admin-1', role: 'platform-admin' };

export function member(role: 'org-admin' | 'developer' | 'viewer', ...orgs: string[]): Identity {
  return { sub: `${role}-of-${orgs.join('-')}`, role, orgs };
}

export function freshName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export const ORGANIZATION = {
  displayName: 'Acme',
  quota: { cpu: '32', memory: '64Gi', pods: 300 },
  maxEnvironments: 10,
};

/** Registers an organization through the API (as platform-admin). */
export async function createOrganization(
  api: ApiHarness,
  organization = freshName('org'),
  body: Record<string, unknown> = ORGANIZATION,
): Promise<string> {
  const response = await api.call('put-organization', {
    identity: PLATFORM_ADMIN,
    path: { org: organization },
    body,
  });
  if (response.status !== 201) throw new Error(`organization not created: ${JSON.stringify(response.body)}`);
  return organization;
}

export function specFor(
  organization: string,
  environment: string,
  tier: 'dev' | 'prod' = 'dev',
): EnvironmentSpec {
  const spec = validSpec(tier);
  return {
    ...spec,
    ...(tier === 'dev'
      ? { cluster: { ...spec.cluster, controlPlane: { count: 1, instanceType: 'm6i.large' } } }
      : {}),
    gitops: { ...spec.gitops, path: `tenants/${organization}/${environment}` },
  };
}

/** PUTs the spec and waits for the run it started; throws unless the environment ends READY. */
export async function provision(
  api: ApiHarness,
  organization: string,
  environment: string,
  spec: unknown = specFor(organization, environment),
): Promise<ApiResponse> {
  const response = await api.call('put-environment', {
    identity: member('org-admin', organization),
    path: { org: organization, env: environment },
    body: spec,
  });
  if (response.status !== 202) throw new Error(`provision refused: ${JSON.stringify(response.body)}`);
  await api.starter.settled();
  const environmentRecord = await api.repository.getEnvironment(organization, environment);
  if (environmentRecord?.status !== 'READY') {
    throw new Error(`environment ${organization}/${environment} is ${environmentRecord?.status}`);
  }
  return response;
}
