import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../support/tools.js';
import {
  ANSIBLE_DIR,
  buildInventory,
  createSandbox,
  OUTPUTS_FIXTURE,
  run,
  type Sandbox,
} from './ansible-run.js';

const PLAYBOOK_DIR = join(ANSIBLE_DIR, 'playbooks');
const playbooks = readdirSync(PLAYBOOK_DIR).filter((name) => name.endsWith('.yml'));

describe('playbooks', () => {
  let sandbox: Sandbox;
  let inventory: string;

  beforeAll(() => {
    requireTool('ansible-playbook', 'apt-get install ansible (ansible-core 2.14)');
    requireTool('python3', 'install python3 (the inventory script needs only its standard library)');
    sandbox = createSandbox();
    const built = buildInventory(sandbox, JSON.parse(readFileSync(OUTPUTS_FIXTURE, 'utf8')));
    if (built.result.status !== 0) throw new Error(`inventory script failed:\n${built.result.output}`);
    inventory = built.path;
  });
  afterAll(() => sandbox.remove());

  it('include site.yml, k8s-setup.yml and cilium-install.yml', () => {
    expect(playbooks).toEqual(expect.arrayContaining(['site.yml', 'k8s-setup.yml', 'cilium-install.yml']));
  });

  it('each passes --syntax-check against the inventory built from Terraform outputs', () => {
    // One ansible-playbook for all of them (it checks each in turn and stops at the first that
    // fails, naming it): Ansible's start-up, not the check, is most of a check's CPU.
    const paths = playbooks.map((playbook) => join(PLAYBOOK_DIR, playbook));
    const result = run('ansible-playbook', ['--syntax-check', '--inventory', inventory, ...paths], sandbox);
    expect(result.status, result.output).toBe(0);
    const checked = [...result.stdout.matchAll(/^playbook: (.+)$/gm)].map((match) => match[1]);
    expect(checked).toEqual(paths);
  });

  it('site.yml targets the nodes of the inventory: three control-plane nodes (discovered, then one at a time), and three workers', () => {
    const result = run(
      'ansible-playbook',
      ['--list-hosts', '--inventory', inventory, join(PLAYBOOK_DIR, 'site.yml')],
      sandbox,
    );
    expect(result.status, result.output).toBe(0);
    // One "pattern: [...]" block per play, each followed by its hosts.
    const plays = [
      ...result.stdout.matchAll(
        /play #\d+ \(([^)]*)\): ([^\n]*)\n\s+pattern: [^\n]*\n\s+hosts \((\d+)\):\n((?:\s+i-[0-9a-f]+\n?)*)/g,
      ),
    ].map((match) => ({
      pattern: match[1],
      hosts: (match[4] ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0),
    }));
    const hostsOf = (pattern: string): string[] | undefined =>
      plays.find((play) => play.pattern === pattern)?.hosts;
    expect(hostsOf('k8s_cluster')).toHaveLength(6);
    expect(hostsOf('control_plane[0]')).toEqual(['i-0aaa1111bbbb2222c']);
    // --list-hosts prints a play's hosts unordered; the plays themselves run them in inventory order.
    const controlPlanePlays = plays.filter((play) => play.pattern === 'control_plane');
    expect(controlPlanePlays).toHaveLength(2);
    for (const play of controlPlanePlays) {
      expect(play.hosts.toSorted()).toEqual([
        'i-0aaa1111bbbb2222c',
        'i-0aaa1111bbbb2222d',
        'i-0aaa1111bbbb2222e',
      ]);
    }
    expect(hostsOf('workers')).toHaveLength(3);
  });
});
