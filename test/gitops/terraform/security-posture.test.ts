import { beforeAll, describe, expect, it } from 'vitest';
import {
  Block,
  environmentDir,
  expression,
  loadConfig,
  MODULES,
  moduleDir,
  nestedBlocks,
  type Resource,
  type TerraformConfig,
} from './terraform-config.js';

/**
 * Resource types of the AWS provider that have no `tags` argument. Every other resource must be
 * tagged; a new untaggable type has to be added here on purpose.
 */
const UNTAGGABLE = new Set([
  'aws_route',
  'aws_route_table_association',
  'aws_iam_role_policy',
  'aws_iam_role_policy_attachment',
  'aws_lb_target_group_attachment',
  'aws_lb_listener_certificate',
  'aws_acm_certificate_validation',
  'aws_route53_record',
]);

const SSH = 22;

const modules = new Map<string, TerraformConfig>();
const roots = new Map<string, TerraformConfig>();
const resources: Array<Resource & { readonly module: TerraformConfig }> = [];

beforeAll(async () => {
  for (const name of MODULES) {
    const config = await loadConfig(moduleDir(name));
    modules.set(name, config);
    for (const resource of config.resources) resources.push({ ...resource, module: config });
  }
  roots.set('environment', await loadConfig(environmentDir()));
});

const BOUNDARY = expression('var.permissions_boundary_arn');
/** hcl2json keeps a template string as written. */
const SSM_CORE = `arn:${expression('data.aws_partition.current.partition')}:iam::aws:policy/AmazonSSMManagedInstanceCore`;

/** What an attribute may evaluate to, resolving `local.*` and `each.value.*` one level deep. */
function candidates(value: unknown, config: TerraformConfig, each: Block | undefined): unknown[] {
  if (typeof value === 'number' || typeof value === 'boolean') return [value];
  if (typeof value !== 'string') throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
  const expression = /^\$\{(.*)\}$/s.exec(value)?.[1];
  if (expression === undefined) return [value];
  const eachRef = /^each\.value\.(\w+)$/.exec(expression)?.[1];
  if (eachRef !== undefined) {
    if (!each) throw new Error(`${value} outside a for_each over a local`);
    return candidates(each[eachRef], config, undefined);
  }
  const localRef = /^local\.(\w+)$/.exec(expression)?.[1];
  if (localRef !== undefined) return candidates(config.locals[localRef], config, undefined);
  // Any other expression (a conditional, say): every number literal in it is a possible value.
  const numbers = [...expression.matchAll(/\b\d+\b/g)].map(([digits]) => Number(digits));
  const strings = [...expression.matchAll(/"([^"]*)"/g)].map(([, text]) => text);
  if (numbers.length === 0 && strings.length === 0) throw new Error(`cannot evaluate ${value}`);
  return [...numbers, ...strings];
}

/** The for_each entries a rule iterates over when it reads `each.value`, or one empty context. */
function iterations(resource: Resource, config: TerraformConfig): Array<Block | undefined> {
  const forEach = resource.body.for_each;
  if (typeof forEach !== 'string' || !JSON.stringify(resource.body).includes('each.value.'))
    return [undefined];
  const local = /local\.(\w+)/.exec(forEach)?.[1];
  const source = local === undefined ? undefined : config.locals[local];
  if (typeof source !== 'object' || source === null) {
    throw new Error(`${resource.type}.${resource.name}: for_each must iterate over a literal local map`);
  }
  return Object.values(source).map((entry) => Block.parse(entry));
}

interface IngressRule {
  readonly address: string;
  readonly protocol: unknown[];
  readonly from: unknown[];
  readonly to: unknown[];
}

function ingressRules(): IngressRule[] {
  const rules: IngressRule[] = [];
  for (const resource of resources) {
    const address = `${resource.type}.${resource.name}`;
    const bodies: Array<{ body: Block; protocolKey: string }> = [];
    if (resource.type === 'aws_vpc_security_group_ingress_rule')
      bodies.push({ body: resource.body, protocolKey: 'ip_protocol' });
    if (resource.type === 'aws_security_group_rule' && resource.body.type === 'ingress') {
      bodies.push({ body: resource.body, protocolKey: 'protocol' });
    }
    if (resource.type === 'aws_security_group') {
      for (const ingress of nestedBlocks(resource.body, 'ingress'))
        bodies.push({ body: ingress, protocolKey: 'protocol' });
    }
    for (const { body, protocolKey } of bodies) {
      for (const each of iterations(resource, resource.module)) {
        rules.push({
          address,
          protocol: candidates(body[protocolKey], resource.module, each),
          from: body.from_port === undefined ? [] : candidates(body.from_port, resource.module, each),
          to: body.to_port === undefined ? [] : candidates(body.to_port, resource.module, each),
        });
      }
    }
  }
  return rules;
}

describe('terraform security posture', () => {
  it('finds the ingress rules it checks (kubelet, etcd, API)', () => {
    const ports = ingressRules().flatMap((rule) => rule.from);
    expect(ports).toEqual(expect.arrayContaining([6443, 10250, 2379, 4240, 8472]));
  });

  it('opens port 22 in no ingress rule, and no ingress rule opens all ports', () => {
    for (const rule of ingressRules()) {
      const protocols = rule.protocol.map(String);
      expect(protocols, `${rule.address} allows every protocol`).not.toEqual(expect.arrayContaining(['-1']));
      expect(protocols, `${rule.address} allows every protocol`).not.toEqual(expect.arrayContaining(['all']));
      if (protocols.every((protocol) => protocol === 'icmp' || protocol === 'icmpv6')) continue;
      expect(rule.from.length * rule.to.length, `${rule.address} has no port range`).toBeGreaterThan(0);
      for (const from of rule.from) {
        for (const to of rule.to) {
          expect(Number(from) <= SSH && SSH <= Number(to), `${rule.address} opens ${from}-${to}`).toBe(false);
        }
      }
    }
  });

  it('allows etcd only between control-plane nodes', () => {
    const etcd = resources.find(
      (resource) => resource.type === 'aws_vpc_security_group_ingress_rule' && resource.name === 'etcd',
    );
    expect(etcd?.body.from_port).toBe(2379);
    expect(etcd?.body.to_port).toBe(2380);
    expect(etcd?.body.referenced_security_group_id).toBe(expression('aws_security_group.control_plane.id'));
    expect(etcd?.body.security_group_id).toBe(expression('aws_security_group.control_plane.id'));
  });

  it('tags every resource that supports tags with the module tags', () => {
    const untagged = resources
      .filter((resource) => !UNTAGGABLE.has(resource.type))
      .filter((resource) => !String(resource.body.tags ?? '').includes('var.tags'))
      .map((resource) => `${resource.type}.${resource.name}`);
    expect(untagged).toEqual([]);
  });

  it('requires IMDSv2 tokens on every instance and launch template', () => {
    const nodes = resources.filter((resource) =>
      ['aws_instance', 'aws_launch_template'].includes(resource.type),
    );
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      const metadata = nestedBlocks(node.body, 'metadata_options');
      expect(metadata, `${node.type}.${node.name}`).toHaveLength(1);
      expect(metadata[0]?.http_tokens, `${node.type}.${node.name}`).toBe('required');
      // One hop for platform pods (EBS CSI controller, External Secrets take the node role); never
      // more, and tenants are denied the address by the Cilium fence (hostile-tenant.test.ts).
      expect(metadata[0]?.http_put_response_hop_limit, `${node.type}.${node.name}`).toBe(2);
    }
  });

  it('encrypts every instance root volume and gives no instance a public address', () => {
    for (const node of resources.filter((resource) => resource.type === 'aws_instance')) {
      const [root] = nestedBlocks(node.body, 'root_block_device');
      expect(root?.encrypted, `${node.type}.${node.name}`).toBe(true);
      expect(node.body.associate_public_ip_address).toBe(false);
    }
  });

  it('grants the node role SSM core and no S3 right: file transfers use presigned URLs the controller signs', () => {
    const compute = modules.get('compute');
    const main = compute?.sources.get('main.tf') ?? '';
    expect(main).toContain('policy/AmazonSSMManagedInstanceCore');
    expect(main).not.toMatch(/"s3:/);
    expect(compute?.variables.has('ssm_transfer_bucket')).toBe(false);
  });

  it('scopes the EBS CSI driver to volumes and nodes carrying the cluster tag', () => {
    const main = modules.get('compute')?.sources.get('main.tf') ?? '';
    expect(main).toMatch(/cluster_tag\s*=\s*"kubernetes\.io\/cluster\/\$\{var\.name\}"/);
    // Every statement that creates or changes something is conditioned on the cluster tag or on
    // being part of a create call; only Describe* stays on "*".
    const policy = main.slice(main.indexOf('data "aws_iam_policy_document" "ebs_csi"'));
    const statements = policy
      .slice(0, policy.indexOf('\n}\n'))
      .split(/\n {2}statement \{/)
      .slice(1);
    expect(statements.length).toBe(6);
    for (const statement of statements) {
      if (/resources = \["\*"\]/.test(statement)) {
        expect(statement.match(/"ec2:\w+"/g)?.every((action) => action.startsWith('"ec2:Describe'))).toBe(
          true,
        );
      } else {
        expect(statement).toMatch(
          /variable = "(aws:(Request|Resource)Tag\/\$\{local\.cluster_tag\}|ec2:CreateAction)"/,
        );
      }
    }
  });

  it("scopes Fluent Bit's node-role rights to log groups under /slipway/, write only", () => {
    const main = modules.get('logs')?.sources.get('main.tf') ?? '';
    const policy = main.slice(main.indexOf('data "aws_iam_policy_document" "fluent_bit"'));
    const body = policy.slice(0, policy.indexOf('\n}\n'));
    const actions = [...body.matchAll(/"(logs:\w+)"/g)].map(([, action]) => action);
    expect(new Set(actions)).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'logs:DescribeLogStreams',
        'logs:CreateLogGroup',
        'logs:PutRetentionPolicy',
      ]),
    );
    // No read (GetLogEvents, FilterLogEvents, StartQuery), no delete, no wildcard action or resource.
    expect(body).not.toMatch(/"\*"|logs:\*|logs:(Get|Filter|StartQuery|Delete)/);
    for (const [, resources = ''] of body.matchAll(/resources\s*=\s*(\[[^\]]*\]|local\.\w+)/g)) {
      expect(resources, 'every resource is one of the module locals').toMatch(
        /local\.(own_streams|tenant_groups)/,
      );
    }
    // The dedicated groups are the environment's own; the tenant pattern needs two segments.
    const locals = modules.get('logs')?.locals ?? {};
    // Terraform's own text: %{...} stands for an HCL interpolation.
    expect(locals.prefix).toBe(
      '/slipway/%{var.organization}/%{var.environment}/'.replaceAll('%{', '$' + '{'),
    );
    expect(String(locals.arn_base)).toMatch(/:log-group:$/);
    expect(String(locals.tenant_groups)).toMatch(/^\$\{local\.arn_base\}\/slipway\/\*\/\*\/workloads$/);
    // The creation rights are the shared cluster's only.
    const create = body.slice(body.indexOf('CreateTenantGroups') - 200);
    expect(create).toMatch(/for_each = var\.shared \? \["tenants"\] : \[\]/);
  });

  it('puts the API behind an internal network load balancer with a TCP 6443 listener', () => {
    const lb = resources.find((resource) => resource.type === 'aws_lb');
    expect(lb?.body.internal).toBe(true);
    expect(lb?.body.load_balancer_type).toBe('network');
    const listener = resources.find((resource) => resource.type === 'aws_lb_listener');
    expect(listener?.body.protocol).toBe('TCP');
    const security = modules.get('security');
    if (!security) throw new Error('security module was not loaded');
    expect(candidates(listener?.body.port, security, undefined)).toEqual([6443]);
  });

  it('creates SSM interface endpoints and an S3 gateway endpoint in the VPC module', () => {
    const vpc = modules.get('vpc');
    expect(String(vpc?.locals.ssm_services)).toMatch(/"ssm".*"ssmmessages".*"ec2messages"/);
    const endpoints = resources.filter((resource) => resource.type === 'aws_vpc_endpoint');
    expect(endpoints.map((endpoint) => endpoint.body.vpc_endpoint_type).sort()).toEqual([
      'Gateway',
      'Interface',
    ]);
  });
  /*
   * The terraform phase's role may create IAM roles only with the node permissions boundary
   * (infra/constructs/phase-permissions.ts), so no role Terraform creates can be stronger than it.
   */
  describe('IAM roles', () => {
    const roles = () => resources.filter((resource) => resource.type === 'aws_iam_role');

    it('sets the permissions boundary on every IAM role, from the module variable', () => {
      expect(
        roles()
          .map((role) => `${role.module.dir.split('/').pop()}/${role.name}`)
          .sort(),
      ).toEqual(['compute/node', 'tenant-secrets/shared', 'tenant-secrets/this', 'vpc/flow_logs']);
      for (const role of roles()) {
        expect(role.body.permissions_boundary, `aws_iam_role.${role.name}`).toBe(BOUNDARY);
      }
    });

    it('keeps every role and instance profile under the /slipway/ path', () => {
      const iam = resources.filter((resource) =>
        ['aws_iam_role', 'aws_iam_instance_profile'].includes(resource.type),
      );
      expect(iam.length).toBeGreaterThanOrEqual(3);
      // The tenant secret roles sit deeper, under /slipway/tenant-secrets/<cluster>/<org>/ (a shared
      // cluster's one tenant role directly under /slipway/tenant-secrets/<cluster>/; the node role may
      // assume roles under its own cluster's path only): still inside /slipway/.
      const tenantSecretPaths: Record<string, RegExp> = {
        this: /^\/slipway\/tenant-secrets\/\$\{var\.cluster_name\}\/\$\{each\.key\}\/$/,
        shared: /^\/slipway\/tenant-secrets\/\$\{var\.cluster_name\}\/$/,
      };
      for (const resource of iam)
        expect(resource.body.path, `${resource.type}.${resource.name}`).toMatch(
          (resource.type === 'aws_iam_role' && resource.module.dir.endsWith('tenant-secrets')
            ? tenantSecretPaths[resource.name]
            : undefined) ?? /^\/slipway\/$/,
        );
    });

    it('makes the boundary a required, validated variable of every module with a role and of every root', () => {
      const holders = [
        ...['vpc', 'compute', 'cluster'].map((name) => modules.get(name)),
        ...[...roots.values()],
      ];
      for (const config of holders) {
        const variable = config?.variables.get('permissions_boundary_arn');
        expect(variable, config?.dir).toBeDefined();
        expect(variable && 'default' in variable, `${config?.dir} gives the boundary a default`).toBe(false);
        expect(JSON.stringify(variable?.validation), config?.dir).toContain(':iam::[0-9]{12}:policy/');
      }
    });

    it('passes the boundary from each root through modules/cluster to the vpc and compute modules', () => {
      for (const [name, root] of roots) {
        expect(root.modules.get('cluster')?.permissions_boundary_arn, name).toBe(BOUNDARY);
      }
      const cluster = modules.get('cluster');
      for (const called of ['vpc', 'compute']) {
        expect(cluster?.modules.get(called)?.permissions_boundary_arn, `module.${called}`).toBe(BOUNDARY);
      }
    });

    it('attaches no managed policy but AmazonSSMManagedInstanceCore, to the node role only', () => {
      const attachments = resources.filter((resource) => resource.type === 'aws_iam_role_policy_attachment');
      expect(
        attachments.map((attachment) => ({
          role: attachment.body.role,
          policy: attachment.body.policy_arn,
        })),
      ).toEqual([{ role: expression('aws_iam_role.node.name'), policy: SSM_CORE }]);
      const policies = resources.filter((resource) =>
        ['aws_iam_policy', 'aws_iam_role_policy_attachments_exclusive', 'aws_iam_policy_attachment'].includes(
          resource.type,
        ),
      );
      expect(policies).toEqual([]);
    });
  });
});
