import type { EnvironmentSpec } from '../../../functions/domain/environment-spec.js';

/** The environment spec of DESIGN.md: valid, prod, one namespace. A fresh copy on every call. */
export function validSpec(): EnvironmentSpec {
  return {
    tier: 'prod',
    region: 'eu-west-1',
    kubernetesVersion: '1.30',
    ciliumVersion: '1.16',
    cluster: {
      controlPlane: { count: 3, instanceType: 'm6i.large' },
      workers: { count: 3, instanceType: 'm6i.xlarge' },
    },
    network: { vpcCidr: '10.20.0.0/16', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12' },
    namespaces: [{ name: 'payments', quota: { cpu: '4', memory: '8Gi', pods: 40 } }],
    gitops: {
      repository: 'https://github.com/acme/platform-gitops.git',
      branch: 'main',
      path: 'tenants/acme/prod',
    },
  };
}
