import fc from 'fast-check';
import {
  CILIUM_VERSIONS,
  type EnvironmentSpec,
  formatCpu,
  SUPPORTED_COMBINATIONS,
  validateEnvironmentSpec,
} from '../../../functions/domain/environment-spec.js';
import type { TenantInput } from '../../../gitops/kubernetes/tenants/render.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');

/** A DNS-1123 label of 1..maxLength characters, hyphens inside only. */
export function dnsLabel(maxLength: number): fc.Arbitrary<string> {
  const edge = fc.constantFrom(...ALNUM);
  const inner = fc.constantFrom(...ALNUM, '-');
  return fc.oneof(
    edge,
    fc
      .tuple(edge, fc.array(inner, { maxLength: Math.max(0, maxLength - 2) }), edge)
      .map(([first, middle, last]) => `${first}${middle.join('')}${last}`),
  );
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
      namespaces: fc.uniqueArray(fc.record({ name: dnsLabel(30), quota }), {
        minLength: 1,
        maxLength: 5,
        selector: (namespace) => namespace.name,
      }),
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
        namespaces: draft.namespaces,
        gitops: { repository: draft.repository, branch: 'main', path: draft.path },
      }),
    )
    .filter((spec) => validateEnvironmentSpec(spec, { organization, environment }).ok);
}

/** A tenant: organization, environment and a spec valid for them. */
export const tenantInput: fc.Arbitrary<TenantInput> = fc
  .record({ organization: dnsLabel(16), environment: dnsLabel(10) })
  .chain(({ organization, environment }) =>
    validSpec(organization, environment).map((spec) => ({ organization, environment, spec })),
  );

/** 2..4 tenants of distinct organizations sharing one cluster. */
export const tenantsOfOneCluster: fc.Arbitrary<TenantInput[]> = fc.uniqueArray(tenantInput, {
  minLength: 2,
  maxLength: 4,
  selector: (tenant) => tenant.organization,
});
