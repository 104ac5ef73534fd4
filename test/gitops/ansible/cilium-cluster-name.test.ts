import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requireTool } from '../../support/tools.js';
import { ANSIBLE_DIR, createSandbox, run, type Sandbox } from './ansible-run.js';

/**
 * Cilium 1.17 refuses a `cluster.name` over 32 characters; Slipway's cluster names
 * (<organization>-<environment>) may have 40. The cilium role's `_cilium_cluster_name`, rendered by
 * ansible itself from the role's defaults and vars, for the shortest and longest names allowed.
 */
const CILIUM_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const NAMES = {
  short: 'acme-prod',
  exactly32: `${'a'.repeat(15)}-${'b'.repeat(16)}`,
  just33: `${'a'.repeat(16)}-${'b'.repeat(16)}`,
  longest: `${'o'.repeat(20)}-${'e'.repeat(19)}`,
  // Same first 23 characters as `longest`: must still get a different name.
  longestSibling: `${'o'.repeat(20)}-${'e'.repeat(18)}f`,
  // Character 23 is the dash between organization and environment.
  dashAt23: `${'c'.repeat(22)}-${'d'.repeat(17)}`,
} as const;

const PLAYBOOK = `---
- name: Render the Cilium cluster name
  hosts: localhost
  gather_facts: false
  vars_files:
    - ${join(ANSIBLE_DIR, 'roles/cilium/defaults/main.yml')}
    - ${join(ANSIBLE_DIR, 'roles/cilium/vars/main.yml')}
  tasks:
    - name: Render each name
      ansible.builtin.set_fact:
        rendered: "{{ rendered | default({}) | combine({item.key: _cilium_cluster_name}) }}"
      vars:
        cilium_cluster_name: "{{ item.value }}"
      loop: "{{ names | dict2items }}"
    - name: Write them
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ rendered | to_json }}"
        mode: "0600"
`;

let sandbox: Sandbox;

function render(): Record<keyof typeof NAMES, string> {
  const out = join(sandbox.dir, `names-${Math.random().toString(16).slice(2)}.json`);
  const playbook = join(sandbox.dir, 'render.yml');
  writeFileSync(playbook, PLAYBOOK);
  const result = run(
    'ansible-playbook',
    [
      '--inventory',
      'localhost,',
      '--connection',
      'local',
      '--extra-vars',
      JSON.stringify({ names: NAMES, out }),
      playbook,
    ],
    sandbox,
  );
  expect(result.status, result.output).toBe(0);
  const keys = Object.keys(NAMES) as Array<keyof typeof NAMES>;
  return z
    .record(z.enum(keys as [keyof typeof NAMES, ...Array<keyof typeof NAMES>]), z.string())
    .parse(JSON.parse(readFileSync(out, 'utf8'))) as Record<keyof typeof NAMES, string>;
}

let rendered: Record<keyof typeof NAMES, string>;

beforeAll(() => {
  requireTool('ansible-playbook', 'apt-get install ansible');
  sandbox = createSandbox();
  rendered = render();
});

afterAll(() => sandbox.remove());

describe('the cilium role’s cluster.name', () => {
  it('is a name Cilium accepts for every cluster name Slipway allows (up to 40 characters)', () => {
    expect(NAMES.longest).toHaveLength(40);
    for (const [key, name] of Object.entries(rendered)) {
      expect(name.length, key).toBeLessThanOrEqual(32);
      expect(name, key).toMatch(CILIUM_NAME);
      expect(name, key).not.toContain('--');
    }
  });

  it('keeps names of up to 32 characters as they are', () => {
    expect(rendered.short).toBe('acme-prod');
    expect(NAMES.exactly32).toHaveLength(32);
    expect(rendered.exactly32).toBe(NAMES.exactly32);
  });

  it('shortens longer names to a prefix and a hash of the whole name: stable and distinct', () => {
    const expected = (name: string) =>
      `${name.slice(0, 23).replace(/-+$/, '')}-${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
    expect(rendered.just33).toBe(expected(NAMES.just33));
    expect(rendered.longest).toBe(expected(NAMES.longest));
    expect(rendered.dashAt23).toBe(expected(NAMES.dashAt23));
    expect(rendered.longest).not.toBe(rendered.longestSibling);
    expect(rendered.longest.startsWith(NAMES.longest.slice(0, 23))).toBe(true);
    // A second run renders the very same names (no randomness).
    expect(render()).toEqual(rendered);
  });

  it('is passed to Cilium as cluster.name and checked by the role’s preflight', () => {
    const vars = readFileSync(join(ANSIBLE_DIR, 'roles/cilium/vars/main.yml'), 'utf8');
    expect(vars).toMatch(/cluster\.name: "\{\{ _cilium_cluster_name \}\}"/);
    const preflight = readFileSync(join(ANSIBLE_DIR, 'roles/cilium/tasks/preflight.yml'), 'utf8');
    expect(preflight).toContain('_cilium_cluster_name | length <= 32');
    const groupVars = readFileSync(join(ANSIBLE_DIR, 'playbooks/group_vars/all.yml'), 'utf8');
    expect(groupVars).toContain('cilium_cluster_name: "{{ slipway_cluster_name }}"');
  });
});
