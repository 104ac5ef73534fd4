import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { requireTool } from '../../support/tools.js';
import { ANSIBLE_DIR, createSandbox, type Sandbox } from './ansible-run.js';

/**
 * The real k8s-control-plane tasks/discover.yml, run by ansible-playbook over three control-plane
 * "hosts" that are this machine (connection local), each with its own kubeadm directory in the
 * sandbox, against an API endpoint on 127.0.0.1: a closed port (no API server yet) or a local HTTPS
 * server that answers /readyz. What the play decides is read back from a file it writes.
 */
const HOSTS = ['cp-1', 'cp-2', 'cp-3'] as const;
type Host = (typeof HOSTS)[number];

const Decision = z.object({
  init_host: z.string(),
  token_host: z.string(),
  initialised: z.array(z.string()),
  api_ready: z.boolean(),
});

const PLAYBOOK = `---
- name: Decide between kubeadm init and joins
  hosts: control_plane
  gather_facts: false
  tasks:
    - name: Run the role's discovery
      ansible.builtin.import_role:
        name: k8s-control-plane
        tasks_from: discover.yml
    - name: Write the decision
      ansible.builtin.copy:
        dest: "{{ decision_file }}"
        content: >-
          {{ {'init_host': k8s_control_plane_init_host, 'token_host': k8s_control_plane_token_host,
              'initialised': k8s_control_plane_initialised_hosts, 'api_ready': k8s_control_plane_api_ready | bool} | to_json }}
        mode: "0600"
      delegate_to: localhost
      run_once: true
`;

let sandbox: Sandbox;
let closedPort = 0;
let api: Server | undefined;
let apiPort = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs the discovery with `initialised` hosts holding admin.conf, against `port` on 127.0.0.1. */
async function discover(name: string, initialised: readonly Host[], port: number) {
  const dir = join(sandbox.dir, name);
  const hosts = Object.fromEntries(
    HOSTS.map((host) => {
      const kubernetes = join(dir, host, 'etc-kubernetes');
      mkdirSync(kubernetes, { recursive: true });
      if (initialised.includes(host)) writeFileSync(join(kubernetes, 'admin.conf'), 'apiVersion: v1\n');
      return [host, { k8s_control_plane_kubernetes_dir: kubernetes }];
    }),
  );
  const inventory = join(dir, 'inventory.json');
  writeFileSync(
    inventory,
    JSON.stringify({
      all: {
        vars: {
          ansible_connection: 'local',
          // The Python ansible-core runs on: `python3` on PATH may be a version manager's shim,
          // which costs a shell script chain on every module run.
          ansible_python_interpreter: '{{ ansible_playbook_python }}',
          k8s_control_plane_endpoint: '127.0.0.1',
          k8s_control_plane_endpoint_port: port,
          k8s_control_plane_discovery_attempts: 1,
          k8s_control_plane_discovery_delay: 0,
          decision_file: join(dir, 'decision.json'),
        },
        children: { control_plane: { hosts } },
      },
    }),
  );
  const playbook = join(dir, 'discover.yml');
  writeFileSync(playbook, PLAYBOOK);
  // Asynchronous: the HTTPS server below answers from this process while ansible runs.
  const child = spawn('ansible-playbook', ['--inventory', inventory, playbook], {
    cwd: ANSIBLE_DIR,
    env: { ...sandbox.env, ANSIBLE_ROLES_PATH: join(ANSIBLE_DIR, 'roles') },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const read = () => Decision.parse(JSON.parse(readFileSync(join(dir, 'decision.json'), 'utf8')));
  return { status, output, read };
}

beforeAll(async () => {
  requireTool('ansible-playbook', 'apt-get install ansible');
  const openssl = requireTool('openssl', 'apt-get install openssl');
  sandbox = createSandbox();
  closedPort = await freePort();
  // A stand-in API server behind the "load balancer": anonymous /readyz answers 200.
  const key = join(sandbox.dir, 'api.key');
  const cert = join(sandbox.dir, 'api.crt');
  const generated = spawnSync(
    openssl,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ].concat(['-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert]),
    { encoding: 'utf8' },
  );
  expect(generated.status, generated.stderr).toBe(0);
  api = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (request, response) => {
    response.writeHead(request.url === '/readyz' ? 200 : 404).end('ok');
  });
  const server = api;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiPort = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  const server = api;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  sandbox?.remove();
});

describe('k8s-control-plane discovery: kubeadm init only when no control-plane node is initialised', () => {
  it('initialises on the first control-plane host of a new cluster', async () => {
    const run = await discover('new-cluster', [], closedPort);
    expect(run.status, run.output).toBe(0);
    expect(run.read()).toEqual({ init_host: 'cp-1', token_host: 'cp-1', initialised: [], api_ready: false });
  });

  it('lets a replaced first instance join: no init when another control-plane host holds admin.conf', async () => {
    const run = await discover('replaced-first', ['cp-2', 'cp-3'], apiPort);
    expect(run.status, run.output).toBe(0);
    expect(run.read()).toEqual({
      init_host: '',
      token_host: 'cp-2',
      initialised: ['cp-2', 'cp-3'],
      api_ready: true,
    });
  });

  it('does not initialise again when every host is initialised but the API is down', async () => {
    const run = await discover('api-down', ['cp-1', 'cp-2', 'cp-3'], closedPort);
    expect(run.status, run.output).toBe(0);
    expect(run.read()).toMatchObject({ init_host: '', token_host: 'cp-1', api_ready: false });
  });

  it('refuses to initialise a second cluster when an API server answers but no host holds admin.conf', async () => {
    const run = await discover('foreign-api', [], apiPort);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('refusing to run kubeadm init');
  });
});
