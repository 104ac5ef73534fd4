import { describe, expect, it } from 'vitest';
import {
  CILIUM_VERSIONS,
  type EnvironmentSpec,
  KUBERNETES_VERSIONS,
  SUPPORTED_COMBINATIONS,
  validateEnvironmentSpec,
} from '../../../functions/domain/environment-spec.js';
import { validSpec } from '../../support/fixtures.js';

type Mutation = (spec: EnvironmentSpec & Record<string, unknown>) => void;

/** Applies a mutation to a fresh valid spec and returns the issues the validator reports. */
function issuesOf(mutate: Mutation, context?: { organization: string; environment: string }) {
  const spec = validSpec() as EnvironmentSpec & Record<string, unknown>;
  mutate(spec);
  const result = validateEnvironmentSpec(spec, context);
  if (result.ok) throw new Error('expected the spec to be refused');
  return result.issues;
}

/** Sets (or, for undefined, deletes) the value at a dotted path of a spec. */
function setAt(spec: Record<string, unknown>, field: string, value: unknown): void {
  const keys = field.split('.');
  const last = keys.pop() ?? '';
  let target: Record<string, unknown> = spec;
  for (const key of keys) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[last];
  else target[last] = value;
}

function expectFieldNamed(issues: { field: string; message: string }[], field: string, pattern?: RegExp) {
  const issue = issues.find((candidate) => candidate.field === field);
  expect(issue, `no issue for ${field} in ${JSON.stringify(issues)}`).toBeDefined();
  expect(issue?.message.startsWith(`${field}: `)).toBe(true);
  if (pattern) expect(issue?.message).toMatch(pattern);
}

describe('validateEnvironmentSpec', () => {
  it('accepts the spec of the design brief, with and without organization context', () => {
    expect(validateEnvironmentSpec(validSpec())).toEqual({ ok: true, spec: validSpec() });
    expect(validateEnvironmentSpec(validSpec(), { organization: 'acme', environment: 'prod' }).ok).toBe(true);
  });

  it('accepts every supported Kubernetes/Cilium combination', () => {
    for (const cilium of CILIUM_VERSIONS) {
      for (const kubernetes of SUPPORTED_COMBINATIONS[cilium]) {
        const spec = { ...validSpec(), kubernetesVersion: kubernetes, ciliumVersion: cilium };
        expect(validateEnvironmentSpec(spec).ok, `${kubernetes}/${cilium}`).toBe(true);
      }
    }
  });

  describe('refuses bad quantity strings, naming the field', () => {
    it.each([
      ['cpu', '4x', 'namespaces.0.quota.cpu', /not a Kubernetes quantity/],
      ['cpu', '1Gi', 'namespaces.0.quota.cpu', /not a CPU quantity/],
      ['cpu', '0', 'namespaces.0.quota.cpu', /greater than zero/],
      ['memory', '8GB', 'namespaces.0.quota.memory', /not a Kubernetes quantity/],
      ['memory', '512m', 'namespaces.0.quota.memory', /fractional number of bytes/],
      ['memory', '-1Gi', 'namespaces.0.quota.memory', /negative/],
    ] as const)('%s %j', (key, value, field, pattern) => {
      const issues = issuesOf((spec) => {
        const quota = spec.namespaces[0]?.quota as Record<string, unknown>;
        quota[key] = value;
      });
      expectFieldNamed(issues, field, pattern);
    });

    it.each([0, -3, 1.5, '40'])('pods %j', (pods) => {
      const issues = issuesOf((spec) => {
        (spec.namespaces[0]?.quota as Record<string, unknown>).pods = pods;
      });
      expectFieldNamed(issues, 'namespaces.0.quota.pods');
    });

    it('a quantity given as a number instead of a string', () => {
      const issues = issuesOf((spec) => {
        (spec.namespaces[0]?.quota as Record<string, unknown>).cpu = 4;
      });
      expectFieldNamed(issues, 'namespaces.0.quota.cpu', /is the number 4: write it as a string, "4"/);
    });
  });

  describe('refuses overlapping or invalid CIDRs, naming the field', () => {
    it('pod CIDR inside the VPC', () => {
      const issues = issuesOf((spec) => {
        spec.network.podCidr = '10.20.128.0/17';
      });
      expectFieldNamed(issues, 'network.podCidr', /overlaps network\.vpcCidr/);
    });

    it('service CIDR overlapping the VPC', () => {
      const issues = issuesOf((spec) => {
        spec.network.vpcCidr = '10.96.0.0/16';
      });
      expectFieldNamed(issues, 'network.serviceCidr', /overlaps network\.vpcCidr/);
    });

    it('service CIDR overlapping the pod CIDR', () => {
      const issues = issuesOf((spec) => {
        spec.network.serviceCidr = '10.244.16.0/20';
      });
      expectFieldNamed(issues, 'network.serviceCidr', /overlaps network\.podCidr/);
    });

    it.each([
      ['network.vpcCidr', '10.20.0.0'],
      ['network.vpcCidr', '10.20.0.1/16'],
      ['network.vpcCidr', '300.1.0.0/16'],
      ['network.vpcCidr', '10.0.0.0/8'],
      ['network.podCidr', '8.8.0.0/16'],
      ['network.serviceCidr', '10.0.0.0/8'],
    ])('%s %j', (field, value) => {
      const key = field.split('.')[1] as keyof EnvironmentSpec['network'];
      const issues = issuesOf((spec) => {
        spec.network[key] = value;
      });
      expectFieldNamed(issues, field);
    });

    it.each(['10.20.0.0/25', '10.20.0.0/26', '10.20.0.0/28', '10.0.0.0/15'])(
      "a VPC CIDR %s outside the /16 to /24 that Terraform's vpc module takes",
      (vpcCidr) => {
        const issues = issuesOf((spec) => {
          spec.network.vpcCidr = vpcCidr;
        });
        expectFieldNamed(issues, 'network.vpcCidr', /between \/16 and \/24/);
      },
    );

    it.each(['10.20.0.0/16', '10.20.0.0/20', '10.20.0.0/24'])('accepts a VPC CIDR %s', (vpcCidr) => {
      const spec = { ...validSpec(), network: { ...validSpec().network, vpcCidr } };
      expect(validateEnvironmentSpec(spec).ok).toBe(true);
    });

    it('a pod CIDR too small for the cluster nodes', () => {
      const issues = issuesOf((spec) => {
        spec.network.podCidr = '10.244.0.0/22';
        spec.cluster.workers.count = 10;
      });
      expectFieldNamed(issues, 'network.podCidr', /fewer than the 13 nodes/);
    });
  });

  describe('refuses unknown versions, naming the field', () => {
    it.each(['1.28', '1.33', '2.0', 'latest'])('Kubernetes %s', (version) => {
      const issues = issuesOf((spec) => {
        (spec as Record<string, unknown>).kubernetesVersion = version;
      });
      expectFieldNamed(issues, 'kubernetesVersion', new RegExp(KUBERNETES_VERSIONS.join(', ')));
    });

    it.each([
      ['kubernetesVersion', 1.3, '"1.30"'],
      ['kubernetesVersion', 1.31, '"1.31"'],
      ['kubernetesVersion', 1.19, '"1.19"'],
      ['ciliumVersion', 1.16, '"1.16"'],
      ['namespaces.0.quota.cpu', 4, '"4"'],
      ['namespaces.0.quota.memory', 8, '"8"'],
      ['namespaces.0.quota.storage', 0, '"0"'],
    ] as const)('says %s given the number %s is one, and how to quote it', (field, value, written) => {
      const issues = issuesOf((spec) => setAt(spec, field, value));
      expect(issues).toContainEqual({
        field,
        message: `${field}: is the number ${value}: write it as a string, ${written}`,
      });
    });

    it('keeps listing the supported versions for a string that is not one', () => {
      const issues = issuesOf((spec) => {
        (spec as Record<string, unknown>).kubernetesVersion = '1.3';
      });
      expect(issues).toContainEqual({
        field: 'kubernetesVersion',
        message: `kubernetesVersion: must be a supported Kubernetes version: ${KUBERNETES_VERSIONS.join(', ')}`,
      });
    });

    it.each(['1.14', '1.18', 'v1.16'])('Cilium %s', (version) => {
      const issues = issuesOf((spec) => {
        (spec as Record<string, unknown>).ciliumVersion = version;
      });
      expectFieldNamed(issues, 'ciliumVersion', /supported Cilium version/);
    });

    it('a Cilium release not tested with the Kubernetes version', () => {
      const issues = issuesOf((spec) => {
        spec.kubernetesVersion = '1.32';
        spec.ciliumVersion = '1.15';
      });
      expectFieldNamed(issues, 'ciliumVersion', /not supported with kubernetesVersion 1\.32/);
    });
  });

  describe('refuses names that are not DNS-1123 labels, naming the field', () => {
    it.each(['Payments', 'pay_ments', '-payments', 'payments-', 'a'.repeat(64), ''])(
      'namespace %j',
      (name) => {
        const issues = issuesOf((spec) => {
          (spec.namespaces[0] as { name: string }).name = name;
        });
        expectFieldNamed(issues, 'namespaces.0.name');
      },
    );

    it('a full namespace <org>-<env>-<name> longer than 63 characters', () => {
      const issues = issuesOf(
        (spec) => {
          (spec.namespaces[0] as { name: string }).name = 'n'.repeat(40);
        },
        { organization: 'o'.repeat(15), environment: 'staging' },
      );
      expectFieldNamed(issues, 'namespaces.0.name', /at most 63/);
    });

    it.each([
      ['organization', { organization: 'Acme', environment: 'prod' }],
      ['environment', { organization: 'acme', environment: 'prod_1' }],
    ])('the %s of the context', (field, context) => {
      const issues = issuesOf(() => undefined, context);
      expectFieldNamed(issues, field, /DNS-1123/);
    });

    it('a cluster name <organization>-<environment> longer than the 40 characters Terraform takes', () => {
      const context = { organization: 'o'.repeat(20), environment: 'e'.repeat(20) };
      const issues = issuesOf(() => undefined, context);
      expectFieldNamed(issues, 'environment', /cluster name 'o{20}-e{20}' is 41 characters; .* at most 40/);
    });

    it('accepts a cluster name of exactly 40 characters', () => {
      const context = { organization: 'o'.repeat(20), environment: 'e'.repeat(19) };
      expect(validateEnvironmentSpec(validSpec(), context).ok).toBe(true);
    });

    it('two namespaces with the same name', () => {
      const issues = issuesOf((spec) => {
        spec.namespaces.push({ name: 'payments', quota: { cpu: '1', memory: '1Gi', pods: 10 } });
      });
      expectFieldNamed(issues, 'namespaces.1.name', /already used by namespaces\.0\.name/);
    });
  });

  describe('EC2 instance types', () => {
    const accepted = [
      'm6i.large',
      't4g.nano',
      'c7gn.16xlarge',
      'm7i.metal-24xl',
      'm7i.metal-48xl',
      'm7i-flex.large',
      'u-6tb1.metal',
      'u7i-12tb.224xlarge',
      'mac2-m2pro.metal',
    ];
    const refused = [
      'large',
      'm6i',
      'm6i.',
      '.large',
      'M6i.large',
      'm6i..large',
      'm6i.large.x',
      'm6i.large-',
      '-m6i.large',
      'm6i-.large',
      '6i.large',
      'm6i.metal--24xl',
      'm6i.lar ge',
    ];

    it.each(accepted)('accepts %s', (instanceType) => {
      const spec = validSpec();
      spec.cluster.workers.instanceType = instanceType;
      spec.cluster.controlPlane.instanceType = instanceType;
      expect(validateEnvironmentSpec(spec).ok).toBe(true);
    });

    it.each(refused)('refuses %j, naming the field', (instanceType) => {
      const issues = issuesOf((spec) => {
        spec.cluster.workers.instanceType = instanceType;
      });
      expectFieldNamed(issues, 'cluster.workers.instanceType', /EC2 instance type/);
    });
  });

  describe('refuses other malformed fields, naming each', () => {
    it.each<[string, unknown]>([
      ['region', 'Europe'],
      ['tier', 'qa'],
      ['cluster.controlPlane.count', 2],
      ['cluster.controlPlane.count', 1],
      ['cluster.workers.count', 0],
      ['cluster.workers.instanceType', 'large'],
      ['gitops.repository', 'http://github.com/acme/x.git'],
      ['gitops.repository', 'https://user:secret@github.com/acme/x.git'],
      ['gitops.branch', 'feature..x'],
      ['gitops.path', '../other-tenant'],
      ['gitops.path', '/abs'],
      ['namespaces', []],
      ['gitops', undefined],
      ['namespace', []],
    ])('%s = %j', (field, value) => {
      expectFieldNamed(
        issuesOf((spec) => setAt(spec, field, value)),
        field,
      );
    });

    it('reports every issue at once, not only the first', () => {
      const issues = issuesOf((spec) => {
        spec.region = 'nowhere';
        spec.network.podCidr = '10.20.0.0/16';
        (spec.namespaces[0]?.quota as Record<string, unknown>).memory = 'lots';
      });
      expect(issues.map((issue) => issue.field).sort()).toEqual(
        ['namespaces.0.quota.memory', 'network.podCidr', 'region'].sort(),
      );
    });

    it('refuses a document that is not an object, naming the spec itself', () => {
      const result = validateEnvironmentSpec('tier: prod');
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.issues[0]?.field).toBe('spec');
    });
  });
});

describe('validateEnvironmentSpec: the message of each rule', () => {
  const messagesOf = (mutate: Mutation) => issuesOf(mutate).map((found) => found.message);
  const withVpc =
    (vpcCidr: string): Mutation =>
    (spec) => {
      spec.network.vpcCidr = vpcCidr;
    };

  it('names the network rules: a malformed block, the prefix range, a public range, with the edges of each private range', () => {
    expect(messagesOf(withVpc('10.20.0.1/16'))).toEqual([
      "network.vpcCidr: '10.20.0.1/16' has host bits set: the network address is 10.20.0.0/16",
    ]);
    expect(messagesOf(withVpc('10.20.0.0/15'))).toEqual([
      "network.vpcCidr: the VPC CIDR '10.20.0.0/15' must have a prefix length between /16 and /24",
    ]);
    expect(messagesOf(withVpc('11.0.0.0/16'))).toEqual([
      "network.vpcCidr: the VPC CIDR '11.0.0.0/16' must be a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10)",
    ]);
    // Just past the end of 172.16.0.0/12, and just before 100.64.0.0/10.
    expect(messagesOf(withVpc('172.32.0.0/16'))[0]).toMatch(/must be a private range/);
    expect(messagesOf(withVpc('100.63.0.0/16'))[0]).toMatch(/must be a private range/);
    for (const vpcCidr of ['172.31.0.0/16', '100.127.0.0/16', '192.168.0.0/16', '10.255.0.0/16']) {
      expect(
        validateEnvironmentSpec({ ...validSpec(), network: { ...validSpec().network, vpcCidr } }).ok,
        vpcCidr,
      ).toBe(true);
    }
  });

  it('asks for 1, 3 or 5 control-plane nodes, and 3 or 5 in prod', () => {
    expect(
      issuesOf((spec) => {
        spec.tier = 'dev';
        spec.cluster.controlPlane.count = 2;
      }),
    ).toEqual([
      {
        field: 'cluster.controlPlane.count',
        message: 'cluster.controlPlane.count: must be 1, 3 or 5 (an odd number, for an etcd quorum)',
      },
    ]);
    expect(
      issuesOf((spec) => {
        spec.cluster.controlPlane.count = 1;
      }),
    ).toEqual([
      {
        field: 'cluster.controlPlane.count',
        message:
          'cluster.controlPlane.count: a prod environment needs a highly available control plane: 3 or 5 nodes',
      },
    ]);
    const dev = {
      ...validSpec('dev'),
      cluster: { ...validSpec().cluster, controlPlane: { count: 1, instanceType: 'm6i.large' } },
    };
    expect(validateEnvironmentSpec(dev).ok).toBe(true);
    const five = {
      ...validSpec(),
      cluster: { ...validSpec().cluster, controlPlane: { count: 5, instanceType: 'm6i.large' } },
    };
    expect(validateEnvironmentSpec(five).ok).toBe(true);
  });

  it('says how many node ranges a pod CIDR holds, and takes one that holds exactly the nodes', () => {
    expect(
      messagesOf((spec) => {
        spec.network.podCidr = '10.244.0.0/22';
        spec.cluster.workers.count = 2;
      }),
    ).toEqual([
      'network.podCidr: 10.244.0.0/22 holds 4 node ranges of /24, fewer than the 5 nodes of the cluster',
    ]);
    const exact = { ...validSpec(), network: { ...validSpec().network, podCidr: '10.244.0.0/22' } };
    exact.cluster = { ...exact.cluster, workers: { count: 1, instanceType: 'm6i.xlarge' } };
    expect(validateEnvironmentSpec(exact).ok).toBe(true);
    // A pod CIDR under /24 gives each node less than Cilium's /24: not this rule's business.
    const small = validateEnvironmentSpec({
      ...validSpec(),
      network: { ...validSpec().network, podCidr: '10.244.0.0/25' },
    });
    const messages = small.ok ? [] : small.issues.map((found) => found.message);
    expect(messages.filter((message) => /node ranges/.test(message))).toEqual([]);
  });

  it('refuses credentials in the GitOps repository URL', () => {
    for (const repository of [
      'https://token@github.com/acme/gitops.git',
      'https://:secret@github.com/acme/gitops.git',
    ]) {
      expect(
        messagesOf((spec) => {
          spec.gitops.repository = repository;
        }),
        repository,
      ).toEqual(['gitops.repository: must not contain credentials (user or password)']);
    }
  });

  it('names the Cilium releases a Kubernetes version is tested with', () => {
    const [cilium, kubernetes] =
      Object.entries(SUPPORTED_COMBINATIONS).find(
        ([, versions]) => versions.length < KUBERNETES_VERSIONS.length,
      ) ?? [];
    const other = KUBERNETES_VERSIONS.find(
      (version) =>
        !SUPPORTED_COMBINATIONS[cilium as keyof typeof SUPPORTED_COMBINATIONS].includes(version as never),
    );
    if (!cilium || !kubernetes || !other)
      throw new Error('every Cilium release supports every Kubernetes version');
    expect(
      messagesOf((spec) => {
        spec.ciliumVersion = cilium as never;
        spec.kubernetesVersion = other as never;
      }),
    ).toEqual([
      `ciliumVersion: Cilium ${cilium} is not supported with kubernetesVersion ${other} (Cilium ${cilium} supports Kubernetes ${kubernetes.join(', ')})`,
    ]);
  });

  it('takes a full namespace name of exactly 63 characters', () => {
    const spec = {
      ...validSpec(),
      namespaces: [{ name: 'n'.repeat(63 - 'acme-prod-'.length), quota: validSpec().namespaces[0]?.quota }],
    };
    expect(validateEnvironmentSpec(spec, { organization: 'acme', environment: 'prod' }).ok).toBe(true);
  });
});
