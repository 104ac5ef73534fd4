/** The demo's environment specs: the sample spec (with its ingress domain) with one namespace whose CPU quota is given. */
export function demoSpec(environment: 'prod' | 'staging', cpu: string): Record<string, unknown> {
  return {
    tier: environment,
    region: 'eu-west-1',
    kubernetesVersion: '1.30',
    ciliumVersion: '1.16',
    cluster: {
      controlPlane: { count: environment === 'prod' ? 3 : 1, instanceType: 'm6i.large' },
      workers: { count: 2, instanceType: 'm6i.xlarge' },
    },
    network: {
      vpcCidr: environment === 'prod' ? '10.20.0.0/16' : '10.30.0.0/16',
      podCidr: '10.244.0.0/16',
      serviceCidr: '10.96.0.0/12',
    },
    namespaces: [{ name: 'payments', quota: { cpu, memory: '8Gi', pods: 40 } }],
    gitops: {
      repository: 'https://github.com/acme/platform-gitops.git',
      branch: 'main',
      path: `tenants/acme/${environment}`,
    },
    // Hosts *.acme.apps.example.com on the cluster's ingress load balancer (planned and applied
    // against the mock provider locally; the hosted zone id is a stand-in).
    ingress: { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
  };
}
