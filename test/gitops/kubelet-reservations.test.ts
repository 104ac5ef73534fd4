/**
 * The kubelet reserves what the capacity check subtracts: the k8s-common role's kubeadm patch of
 * the KubeletConfiguration (templates/kubeletconfiguration+merge.yaml.j2), rendered with Jinja2 —
 * the engine and settings Ansible's template module uses (trim_blocks, the trailing newline kept) —
 * for a node of every instance type a shared cluster may use, gives exactly the allocatable CPU,
 * memory and pods that functions/domain/cluster-capacity.ts counts, both from the one file
 * vars/kubelet-reservations.json; and every kubeadm configuration reads the directory the role
 * writes the patch to. One python3 process renders every case.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { INSTANCE_SHAPES, nodeAllocatable } from '../../functions/domain/cluster-capacity.js';
import { parseCpuMillicores, parseMemoryBytes } from '../../functions/domain/spec/quantities.js';
import { requireTool } from '../support/tools.js';

const ROOT = join(import.meta.dirname, '../..');
const ROLES = join(ROOT, 'gitops/ansible/roles');
const COMMON = join(ROLES, 'k8s-common');
const GI = 1024 ** 3;

const RENDER = `
import json, sys, jinja2
request = json.load(sys.stdin)
env = jinja2.Environment(loader=jinja2.FileSystemLoader(request["dir"]), trim_blocks=True,
                         keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
template = env.get_template(request["template"])
print(json.dumps([template.render(ansible_managed="Ansible managed", ansible_processor_vcpus=vcpus,
                                  _k8s_common_kubelet_reservations=request["reservations"])
                  for vcpus in request["vcpus"]]))
`;

interface KubeletPatch {
  apiVersion: string;
  kind: string;
  maxPods: number;
  kubeReserved: { cpu: string; memory: string };
  systemReserved: { cpu: string; memory: string };
  evictionHard: Record<string, string>;
}

const shapes = Object.entries(INSTANCE_SHAPES);
const rendered = new Map<string, KubeletPatch>();

beforeAll(() => {
  const python = requireTool('python3', 'apt-get install python3-jinja2 (ansible brings it)');
  const reservations: unknown = JSON.parse(
    readFileSync(join(COMMON, 'vars/kubelet-reservations.json'), 'utf8'),
  );
  const output = execFileSync(python, ['-c', RENDER], {
    input: JSON.stringify({
      dir: join(COMMON, 'templates'),
      template: 'kubeletconfiguration+merge.yaml.j2',
      reservations,
      vcpus: shapes.map(([, shape]) => shape.vcpu),
    }),
    encoding: 'utf8',
  });
  const documents = JSON.parse(output) as string[];
  shapes.forEach(([type], index) => {
    rendered.set(type, parseYaml(documents[index] ?? '') as KubeletPatch);
  });
});

describe('the kubelet reservations', () => {
  it.each(shapes)('of a %s worker leave exactly the allocatable the capacity check counts', (type, shape) => {
    const patch = rendered.get(type);
    expect(patch).toMatchObject({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
    });
    if (!patch) return;
    const reservedCpu =
      parseCpuMillicores(patch.kubeReserved.cpu) + parseCpuMillicores(patch.systemReserved.cpu);
    const reservedMemory =
      parseMemoryBytes(patch.kubeReserved.memory) +
      parseMemoryBytes(patch.systemReserved.memory) +
      parseMemoryBytes(patch.evictionHard['memory.available'] ?? '0');
    expect({
      cpuMillicores: shape.vcpu * 1000 - reservedCpu,
      memoryBytes: shape.memoryGiB * GI - reservedMemory,
      pods: patch.maxPods,
    }).toEqual(nodeAllocatable(shape));
  });

  it('are the documented figures on an m6i.xlarge (docs/clusters.md), with every hard eviction threshold set', () => {
    expect(rendered.get('m6i.xlarge')).toEqual({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      maxPods: 110,
      kubeReserved: { cpu: '80m', memory: '1465Mi' },
      systemReserved: { cpu: '100m', memory: '100Mi' },
      evictionHard: {
        'imagefs.available': '15%',
        'memory.available': '100Mi',
        'nodefs.available': '10%',
        'nodefs.inodesFree': '5%',
      },
    });
    expect(nodeAllocatable({ vcpu: 4, memoryGiB: 16 })).toEqual({
      cpuMillicores: 3820,
      memoryBytes: 14719 * 1024 ** 2,
      pods: 110,
    });
  });

  it('reach every node: the role writes the patch where kubeadm init and both joins read patches', () => {
    const vars = parseYaml(readFileSync(join(COMMON, 'vars/main.yml'), 'utf8')) as Record<string, unknown>;
    const directory = vars._k8s_common_kubeadm_patches_dir;
    expect(directory).toBe('/etc/kubernetes/patches');
    const tasks = parseYaml(readFileSync(join(COMMON, 'tasks/kubelet.yml'), 'utf8')) as Record<
      string,
      { src?: string; dest?: string; file?: string }
    >[];
    const template = tasks.find((task) => task['ansible.builtin.template'])?.['ansible.builtin.template'];
    // kubeadm's patch file names: target "kubeletconfiguration", patch type "merge".
    expect(template).toMatchObject({
      src: 'kubeletconfiguration+merge.yaml.j2',
      dest: '{{ _k8s_common_kubeadm_patches_dir }}/kubeletconfiguration+merge.yaml',
    });
    expect(tasks[0]?.['ansible.builtin.include_vars']).toMatchObject({ file: 'kubelet-reservations.json' });
    const configure = readFileSync(join(COMMON, 'tasks/configure.yml'), 'utf8');
    expect(configure).toContain('ansible.builtin.import_tasks: kubelet.yml');
    for (const file of [
      'k8s-control-plane/templates/kubeadm-init.yaml.j2',
      'k8s-control-plane/templates/kubeadm-join.yaml.j2',
      'k8s-worker/templates/kubeadm-join.yaml.j2',
    ]) {
      // The first document (Init/JoinConfiguration) with its Jinja blocks dropped.
      const text = readFileSync(join(ROLES, file), 'utf8').replace(/^\s*\{%.*%\}\s*$/gm, '');
      const [first] = parseAllDocuments(text).map((document) => document.toJS() as Record<string, unknown>);
      expect(first?.kind, file).toMatch(/^(Init|Join)Configuration$/);
      expect(first?.patches, file).toEqual({ directory });
    }
  });
});
