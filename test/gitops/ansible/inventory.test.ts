import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requireTool } from '../../support/tools.js';
import { buildInventory, createSandbox, OUTPUTS_FIXTURE, run, type Sandbox } from './ansible-run.js';

const HostGroup = z.object({ hosts: z.record(z.string(), z.record(z.string(), z.unknown())) });
const Inventory = z.object({
  all: z.object({
    vars: z.record(z.string(), z.unknown()),
    children: z.object({
      k8s_cluster: z.object({ children: z.object({ control_plane: HostGroup, workers: HostGroup }) }),
    }),
  }),
});
// `ansible-inventory --list`: groups with their hosts, and every host's resolved variables.
const InventoryList = z
  .object({
    _meta: z.object({ hostvars: z.record(z.string(), z.record(z.string(), z.unknown())) }),
  })
  .catchall(z.unknown());
const ListedGroup = z.object({
  hosts: z.array(z.string()).optional(),
  children: z.array(z.string()).optional(),
});

const TerraformOutputs = z.record(z.string(), z.object({ value: z.unknown() }).catchall(z.unknown()));
const fixture = TerraformOutputs.parse(JSON.parse(readFileSync(OUTPUTS_FIXTURE, 'utf8')));
const fixtureValue = (name: string): unknown => fixture[name]?.value;
const fixtureIds = (name: string): string[] => z.array(z.string()).parse(fixtureValue(name));

/** Variables that would make Ansible open SSH to a node. */
const SSH_VARIABLE = /^ansible_(ssh_|user$|port$|password$|private_key_file$|become_pass)/;

describe('inventory/from-terraform.py', () => {
  let sandbox: Sandbox;

  beforeAll(() => {
    requireTool('python3', 'install python3 (the inventory script needs only its standard library)');
    requireTool('ansible-inventory', 'apt-get install ansible (ansible-core 2.14)');
    sandbox = createSandbox();
  });
  afterAll(() => sandbox.remove());

  it('keys hosts by EC2 instance id in the control_plane and workers groups, in Terraform order', () => {
    const { path, result } = buildInventory(sandbox, fixture);
    expect(result.status, result.output).toBe(0);
    const inventory = Inventory.parse(JSON.parse(readFileSync(path, 'utf8')));
    const groups = inventory.all.children.k8s_cluster.children;
    const controlPlane = fixtureIds('control_plane_instance_ids');
    expect(Object.keys(groups.control_plane.hosts)).toEqual(controlPlane);
    expect(Object.keys(groups.workers.hosts)).toEqual(fixtureIds('worker_instance_ids'));
  });

  it('connects over SSM with the transfer bucket and region from the outputs, and sets no SSH variable', () => {
    const { path, result } = buildInventory(sandbox, fixture);
    expect(result.status, result.output).toBe(0);
    const vars = Inventory.parse(JSON.parse(readFileSync(path, 'utf8'))).all.vars;
    expect(vars.ansible_connection).toBe('community.aws.aws_ssm');
    expect(vars.ansible_aws_ssm_bucket_name).toBe(fixtureValue('ssm_transfer_bucket'));
    expect(vars.ansible_aws_ssm_region).toBe(fixtureValue('region'));
    expect(vars.slipway_api_endpoint).toBe(fixtureValue('api_endpoint'));
    expect(vars.slipway_cluster_name).toBe(fixtureValue('cluster_name'));
    expect(Object.keys(vars).filter((name) => SSH_VARIABLE.test(name))).toEqual([]);
  });

  it('produces an inventory Ansible reads with the first control-plane node first and SSM on every host', () => {
    const { path, result } = buildInventory(sandbox, fixture);
    expect(result.status, result.output).toBe(0);
    const listed = run('ansible-inventory', ['--inventory', path, '--list'], sandbox);
    expect(listed.status, listed.output).toBe(0);
    const list = InventoryList.parse(JSON.parse(listed.stdout));
    const controlPlane = ListedGroup.parse(list.control_plane);
    const workers = ListedGroup.parse(list.workers);
    expect(controlPlane.hosts).toEqual(fixtureIds('control_plane_instance_ids'));
    expect(workers.hosts).toEqual(fixtureIds('worker_instance_ids'));
    expect(ListedGroup.parse(list.k8s_cluster).children).toEqual(
      expect.arrayContaining(['control_plane', 'workers']),
    );
    const hostvars = Object.entries(list._meta.hostvars);
    expect(hostvars).toHaveLength(6);
    for (const [host, vars] of hostvars) {
      expect(host).toMatch(/^i-[0-9a-f]+$/);
      expect(vars.ansible_connection).toBe('community.aws.aws_ssm');
      expect(Object.keys(vars).filter((name) => SSH_VARIABLE.test(name))).toEqual([]);
    }
  });

  it('falls back to the per-role id lists when there is no ansible_inventory output', () => {
    const { ansible_inventory: _omitted, ...withoutInventory } = fixture;
    const { path, result } = buildInventory(sandbox, withoutInventory);
    expect(result.status, result.output).toBe(0);
    const groups = Inventory.parse(JSON.parse(readFileSync(path, 'utf8'))).all.children.k8s_cluster.children;
    expect(Object.keys(groups.control_plane.hosts)).toEqual(fixtureIds('control_plane_instance_ids'));
    expect(Object.keys(groups.workers.hosts)).toEqual(fixtureIds('worker_instance_ids'));
  });

  it.each([
    [
      'a role it does not know',
      { ansible_inventory: { value: { etcd: ['i-0aaa1111bbbb2222c'] } } },
      /unknown role 'etcd'/,
    ],
    [
      'no control-plane node',
      { ansible_inventory: { value: { control_plane: [], workers: [] } } },
      /no control-plane/,
    ],
    [
      'a value that is not an instance id',
      { ansible_inventory: { value: { control_plane: ['web-1'], workers: [] } } },
      /instance id/,
    ],
    [
      'a node in both groups',
      {
        ansible_inventory: {
          value: { control_plane: ['i-0aaa1111bbbb2222c'], workers: ['i-0aaa1111bbbb2222c'] },
        },
      },
      /both/,
    ],
    ['no transfer bucket', { ssm_transfer_bucket: undefined }, /ssm_transfer_bucket/],
    [
      'an API endpoint that is not a DNS name',
      { api_endpoint: { value: 'https://nlb:6443' } },
      /api_endpoint/,
    ],
  ])('refuses outputs with %s', (_case, override, message) => {
    const { result } = buildInventory(sandbox, { ...fixture, ...override }, 'refused.json');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^ERROR - /);
    expect(result.stderr).toMatch(message);
  });
});
