import fc from 'fast-check';
import {
  CILIUM_VERSIONS,
  CLUSTER_NAME_MAX,
  type EnvironmentSpec,
  formatCpu,
  SUPPORTED_COMBINATIONS,
  validateEnvironmentSpec,
} from '../../../functions/domain/environment-spec.js';
import { DNS1123_LABEL_MAX } from '../../../functions/domain/spec/names.js';
import type { TenantInput } from '../../../gitops/kubernetes/tenants/render.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');

/** A DNS-1123 label of exactly `length` (≥ 1) characters, hyphens inside only. */
export function dnsLabelOfLength(length: number): fc.Arbitrary<string> {
  const edge = fc.constantFrom(...ALNUM);
  if (length === 1) return edge;
  const inner = fc.constantFrom(...ALNUM, '-');
  return fc
    .tuple(edge, fc.array(inner, { minLength: length - 2, maxLength: length - 2 }), edge)
    .map(([first, middle, last]) => `${first}${middle.join('')}${last}`);
}

/**
 * A DNS-1123 label of 1..maxLength characters. The length is drawn first (fast-check biases
 * integers towards their bounds), so `maxLength` itself is reached, not only short names.
 */
export function dnsLabel(maxLength: number): fc.Arbitrary<string> {
  return fc.integer({ min: 1, max: maxLength }).chain(dnsLabelOfLength);
}

/** A length in min..max, exactly `max` half of the time: the edge the validator guards. */
function lengthUpTo(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constant(max), fc.integer({ min, max }));
}

const versions = fc
  .constantFrom(...CILIUM_VERSIONS)
  .chain((cilium) =>
    fc.constantFrom(...SUPPORTED_COMBINATIONS[cilium]).map((kubernetes) => ({ kubernetes, cilium })),
  );

const networks = fc.constantFrom(
  { vpcCidr: '10.20.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
  { vpcCidr: '172.16.0.0/20', podCidr: '10.0.0.0/14', serviceCidr: '192.168.0.0/20' },
  { vpcCidr: '192.168.10.0/24', podCidr: '100.64.0.0/16', serviceCidr: '10.100.0.0/16' },
);

const quota = fc.record({
  cpu: fc.integer({ min: 1, max: 64_000 }).map(formatCpu),
  memory: fc.oneof(
    fc.integer({ min: 1, max: 65_536 }).map((mebibytes) => `${mebibytes}Mi`),
    fc.integer({ min: 1, max: 64 }).map((gigabytes) => `${gigabytes}G`),
  ),
  pods: fc.integer({ min: 1, max: 500 }),
});

/** The longest namespace short name that still fits `<org>-<env>-<name>` into a DNS-1123 label. */
export function maxNamespaceNameLength(organization: string, environment: string): number {
  return DNS1123_LABEL_MAX - organization.length - environment.length - 2;
}

/**
 * 1..5 unique namespace short names for the given organization and environment; the first is
 * exactly as long as `<org>-<env>-<name>` allows half of the time, so the full name is 63 characters.
 */
function namespaceNames(organization: string, environment: string): fc.Arbitrary<string[]> {
  const max = maxNamespaceNameLength(organization, environment);
  return fc
    .tuple(lengthUpTo(1, max).chain(dnsLabelOfLength), fc.array(dnsLabel(max), { maxLength: 4 }))
    .map(([first, others]) => [...new Set([first, ...others])]);
}

/** Any spec the validator accepts for the given organization and environment. */
export function validSpec(organization: string, environment: string): fc.Arbitrary<EnvironmentSpec> {
  return fc
    .record({
      tier: fc.constantFrom('dev', 'staging', 'prod'),
      region: fc.constantFrom('eu-west-1', 'us-east-1', 'ap-southeast-2', 'us-gov-west-1'),
      versions,
      controlPlane: fc.constantFrom(1, 3, 5),
      workers: fc.integer({ min: 1, max: 20 }),
      network: networks,
      names: namespaceNames(organization, environment),
      quotas: fc.array(quota, { minLength: 5, maxLength: 5 }),
      path: fc.array(dnsLabel(12), { minLength: 1, maxLength: 3 }).map((segments) => segments.join('/')),
      repository: dnsLabel(20).map((name) => `https://git.example.com/${organization}/${name}.git`),
    })
    .map(
      (draft): EnvironmentSpec => ({
        tier: draft.tier,
        region: draft.region,
        kubernetesVersion: draft.versions.kubernetes,
        ciliumVersion: draft.versions.cilium,
        cluster: {
          controlPlane: {
            count: draft.tier === 'prod' ? Math.max(3, draft.controlPlane) : draft.controlPlane,
            instanceType: 'm6i.large',
          },
          workers: { count: draft.workers, instanceType: 'm6i.xlarge' },
        },
        network: draft.network,
        namespaces: draft.names.map((name, index) => ({
          name,
          quota: draft.quotas[index % draft.quotas.length] ?? { cpu: '1', memory: '1Gi', pods: 1 },
        })),
        gitops: { repository: draft.repository, branch: 'main', path: draft.path },
      }),
    )
    .filter((spec) => validateEnvironmentSpec(spec, { organization, environment }).ok);
}

/**
 * An organization and an environment whose cluster name `<org>-<env>` is 3..40 characters
 * (CLUSTER_NAME_MAX), exactly 40 half of the time, split between the two at random.
 */
export const tenantIdentity: fc.Arbitrary<{ organization: string; environment: string }> = lengthUpTo(
  3,
  CLUSTER_NAME_MAX,
)
  .chain((cluster) =>
    fc.integer({ min: 1, max: cluster - 2 }).map((organization) => ({
      organization,
      environment: cluster - 1 - organization,
    })),
  )
  .chain(({ organization, environment }) =>
    fc.record({ organization: dnsLabelOfLength(organization), environment: dnsLabelOfLength(environment) }),
  );

/** A tenant: organization, environment and a spec valid for them. */
export const tenantInput: fc.Arbitrary<TenantInput> = tenantIdentity.chain(({ organization, environment }) =>
  validSpec(organization, environment).map((spec) => ({ organization, environment, spec })),
);

/**
 * 2..4 tenants of distinct organizations sharing one cluster, so running one Kubernetes version
 * and Cilium (the first tenant's pair; renderTenants refuses a mix).
 */
export const tenantsOfOneCluster: fc.Arbitrary<TenantInput[]> = fc
  .uniqueArray(tenantInput, {
    minLength: 2,
    maxLength: 4,
    selector: (tenant) => tenant.organization,
  })
  .map((tenants) => {
    const first = tenants[0]?.spec;
    if (!first) return tenants;
    const { kubernetesVersion, ciliumVersion } = first;
    return tenants.map((tenant) => ({
      ...tenant,
      spec: { ...tenant.spec, kubernetesVersion, ciliumVersion },
    }));
  });
