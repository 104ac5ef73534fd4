import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATORS_DIR } from '../../../local/builds/runner.js';
import { localToolReport } from '../../../local/builds/tools.js';
import { REPO_ROOT } from '../../buildspecs/repo-files.js';
import { requireTool } from '../../support/tools.js';

/**
 * The simulators on a local build's PATH (local/simulators): shellcheck clean, every one says
 * `[simulated]` on stderr, answers deterministically, hands offline work to the real tool, and
 * refuses (exit 64, naming the command) what it does not know.
 */
let root = '';
let dataDir = '';

beforeAll(() => {
  requireTool('jq', 'apt-get install jq');
  root = mkdtempSync(join(tmpdir(), 'slipway-simulators-'));
  dataDir = join(root, 'data');
  mkdirSync(dataDir);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const COMMANDS = readdirSync(SIMULATORS_DIR).filter((name) => statSync(join(SIMULATORS_DIR, name)).isFile());

function simulate(command: string, args: string[], env: Record<string, string> = {}, input?: string) {
  const result = spawnSync(join(SIMULATORS_DIR, command), args, {
    encoding: 'utf8',
    cwd: root,
    input,
    env: {
      PATH: `${SIMULATORS_DIR}:${process.env.PATH}`,
      HOME: root,
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_ORGANIZATION: 'acme',
      SLIPWAY_ENVIRONMENT: 'prod',
      ...env,
    },
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('local simulators', () => {
  it('are shellcheck clean', () => {
    const shellcheck = requireTool('shellcheck', 'apt-get install shellcheck');
    const files = [
      ...COMMANDS.map((name) => join(SIMULATORS_DIR, name)),
      join(SIMULATORS_DIR, 'lib/common.sh'),
    ];
    expect(() =>
      execFileSync(shellcheck, ['-x', ...files], { cwd: SIMULATORS_DIR, stdio: 'pipe' }),
    ).not.toThrow();
    expect(COMMANDS).toEqual(
      expect.arrayContaining([
        'aws',
        'session-manager-plugin',
        'kubectl',
        'helm',
        'argocd',
        'cilium',
        'ansible-playbook',
        'terraform',
      ]),
    );
  });

  it.each([
    ['aws', ['sts', 'get-caller-identity']],
    [
      'kubectl',
      ['--kubeconfig', '/dev/null', '-n', 'argocd', 'rollout', 'status', 'deployment/argocd-server'],
    ],
    ['helm', ['upgrade', '--install', 'argocd', 'argo/argo-cd']],
    ['argocd', ['app', 'sync', 'slipway-managed']],
    ['cilium', ['status', '--wait']],
    ['terraform', ['-chdir=.', 'plan', '-out=tfplan']],
  ])('%s says what it stands in for', (command, args) => {
    const result = simulate(command, args);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^\\[simulated\\] ${command} `, 'm'));
  });

  it.each([
    ['aws', ['iam', 'create-role']],
    ['kubectl', ['exec', 'pod/x', '--', 'sh']],
    ['helm', ['push', 'chart.tgz']],
    ['argocd', ['admin', 'export']],
    ['cilium', ['hubble', 'enable']],
    ['terraform', ['import', 'aws_vpc.this', 'vpc-1']],
  ])('%s refuses a command it does not simulate', (command, args) => {
    const result = simulate(command, args);
    expect(result.status).toBe(64);
    expect(result.stderr).toContain('not simulated in local mode');
    expect(result.stderr).toContain(args[0]);
  });

  it('aws s3 keeps objects in the local folder', () => {
    writeFileSync(join(root, 'object.json'), '{"a":1}');
    expect(
      simulate('aws', ['s3', 'cp', 'object.json', 's3://bucket/dir/object.json', '--only-show-errors'])
        .status,
    ).toBe(0);
    expect(readFileSync(join(dataDir, 's3/bucket/dir/object.json'), 'utf8')).toBe('{"a":1}');
    expect(simulate('aws', ['s3', 'cp', 's3://bucket/dir/object.json', '-']).stdout).toBe('{"a":1}');
    const missing = simulate('aws', ['s3', 'cp', 's3://bucket/nope.json', 'x.json']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('(404)');
    expect(simulate('aws', ['s3', 'ls', 's3://bucket/dir/']).stdout).toContain('object.json');
  });

  it('aws secretsmanager creates, reads, updates and schedules deletion like the API', () => {
    writeFileSync(join(root, 'value.txt'), 'first');
    const create = simulate('aws', [
      'secretsmanager',
      'create-secret',
      '--name',
      'a/b',
      '--secret-string',
      'file://value.txt',
    ]);
    expect(create.status).toBe(0);
    expect(
      simulate('aws', ['secretsmanager', 'create-secret', '--name', 'a/b', '--secret-string', 'x']).stderr,
    ).toContain('ResourceExistsException');
    expect(
      simulate('aws', [
        'secretsmanager',
        'put-secret-value',
        '--secret-id',
        'a/b',
        '--secret-string',
        'second',
      ]).status,
    ).toBe(0);
    const read = simulate('aws', [
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      'a/b',
      '--query',
      'SecretString',
      '--output',
      'text',
    ]);
    expect(read.stdout).toBe('second\n');
    expect(
      simulate('aws', [
        'secretsmanager',
        'describe-secret',
        '--secret-id',
        'a/b',
        '--query',
        'DeletedDate',
        '--output',
        'text',
      ]).stdout,
    ).toBe('None\n');
    simulate('aws', ['secretsmanager', 'delete-secret', '--secret-id', 'a/b']);
    expect(simulate('aws', ['secretsmanager', 'get-secret-value', '--secret-id', 'a/b']).status).toBe(254);
    simulate('aws', ['secretsmanager', 'restore-secret', '--secret-id', 'a/b']);
    expect(
      simulate('aws', [
        'secretsmanager',
        'get-secret-value',
        '--secret-id',
        'a/b',
        '--query',
        'SecretString',
        '--output',
        'text',
      ]).stdout,
    ).toBe('second\n');
    expect(
      simulate('aws', ['secretsmanager', 'get-secret-value', '--secret-id', 'missing']).stderr,
    ).toContain('ResourceNotFoundException');
  });

  it('aws ssm start-session prints what a listening port-forwarding session prints, and stays up until ended', async () => {
    const session = spawn(
      join(SIMULATORS_DIR, 'aws'),
      [
        'ssm',
        'start-session',
        '--target',
        'i-0aaa',
        '--document-name',
        'AWS-StartPortForwardingSessionToRemoteHost',
        '--parameters',
        'host=api.internal,portNumber=6443,localPortNumber=16443',
      ],
      { env: { PATH: `${SIMULATORS_DIR}:${process.env.PATH}`, SLIPWAY_DATA_DIR: dataDir } },
    );
    let output = '';
    await new Promise<void>((resolve, reject) => {
      session.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Waiting for connections...')) resolve();
      });
      session.on('exit', () => reject(new Error(`the session ended by itself: ${output}`)));
    });
    expect(output).toContain('Port 16443 opened for sessionId');
    expect(session.exitCode).toBeNull();
    const ended = new Promise((resolve) => session.on('exit', resolve));
    session.kill('SIGTERM');
    await ended;
  });

  it('kubectl hands kustomize to the real kubectl and answers cluster calls without one', () => {
    requireTool('kubectl', 'kubectl 1.32 from dl.k8s.io');
    const dir = join(root, 'kustomization');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [cm.yaml]\n');
    writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: real\n');
    expect(simulate('kubectl', ['kustomize', dir]).stdout).toContain('name: real');
    const secret = simulate(
      'kubectl',
      ['-n', 'argocd', 'apply', '--server-side', '-f', '-'],
      {},
      '{"kind":"Secret","stringData":{"token":"s3cr3t"}}',
    );
    expect(secret.status).toBe(0);
    expect(secret.stdout + secret.stderr).not.toContain('s3cr3t');
    expect(simulate('kubectl', ['get', '--raw', '/readyz']).stdout).toBe('ok\n');
    const admin = simulate('kubectl', [
      '-n',
      'argocd',
      'get',
      'secret',
      'argocd-initial-admin-secret',
      '-o',
      'json',
    ]);
    expect(JSON.parse(admin.stdout).data.password).toMatch(/^[A-Za-z0-9+/=]+$/);
    simulate('kubectl', ['-n', 'argocd', 'delete', 'secret', 'argocd-initial-admin-secret']);
    expect(simulate('kubectl', ['-n', 'argocd', 'get', 'secret', 'argocd-initial-admin-secret']).status).toBe(
      1,
    );
    expect(
      simulate('kubectl', [
        '-n',
        'argocd',
        'get',
        'application',
        'slipway-managed',
        '-o',
        'jsonpath={.status.sync.status} {.status.health.status}',
      ]).stdout,
    ).toBe('Synced Healthy');
  });

  it("kubectl answers a push-started run's Applications at the pushed commit, as after the phase's refresh", () => {
    const commit = '9fceb02d0ae598e95dc970b74767f19372d61af8';
    const revision = (app: string, env: Record<string, string>) =>
      simulate(
        'kubectl',
        ['-n', 'argocd', 'get', 'application', app, '-o', 'jsonpath={.status.sync.revision}'],
        env,
      ).stdout;
    expect(revision('acme-prod-payments', { SLIPWAY_COMMIT: commit.toUpperCase() })).toBe(commit);
    // The root Application follows the Slipway repository, not the pushed one; no commit, no revision here.
    expect(revision('slipway-managed', { SLIPWAY_COMMIT: commit })).not.toBe(commit);
    expect(revision('acme-prod-payments', { SLIPWAY_COMMIT: '$(id)' })).toBe('');
  });

  it('cilium status --output=json is a healthy report of the shape the ansible phase checks', () => {
    const status = JSON.parse(
      simulate('cilium', ['status', '--output=json'], { SLIPWAY_SIMULATED_NODES: '5' }).stdout,
    );
    expect(status.pod_state.cilium).toMatchObject({ Desired: 5, Ready: 5 });
    expect(status.errors).toEqual({});
  });

  it('ansible-playbook syntax-checks for real and simulates a run, writing what the play would fetch', () => {
    requireTool('ansible-playbook', 'apt-get install ansible');
    writeFileSync(join(root, 'bad.yml'), '- hosts: all\n  tasks:\n    - name: x\n      debug: [unclosed\n');
    const bad = simulate('ansible-playbook', ['--syntax-check', join(root, 'bad.yml')], {
      ANSIBLE_HOME: join(root, '.ansible'),
    });
    expect(bad.status).not.toBe(0);

    const inventory = join(root, 'inventory.json');
    writeFileSync(
      inventory,
      JSON.stringify({
        all: {
          children: {
            k8s_cluster: {
              children: { control_plane: { hosts: { 'i-0aaa': {} } }, workers: { hosts: { 'i-0bbb': {} } } },
            },
          },
        },
      }),
    );
    const kubeconfig = join(root, 'kubeconfig');
    writeFileSync(
      join(root, 'extra.json'),
      JSON.stringify({ k8s_control_plane_kubeconfig_local_path: kubeconfig }),
    );
    const site = simulate('ansible-playbook', [
      '--inventory',
      inventory,
      '--extra-vars',
      `@${join(root, 'extra.json')}`,
      'playbooks/site.yml',
    ]);
    expect(site.status).toBe(0);
    expect(site.stderr).toContain('[simulated] ansible-playbook');
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    expect(readFileSync(kubeconfig, 'utf8')).toContain('name: acme-prod');

    const report = join(root, 'report');
    simulate('ansible-playbook', [
      '--inventory',
      inventory,
      'playbooks/cluster-report.yml',
      '--extra-vars',
      `cluster_report_dir=${report}`,
    ]);
    const nodes = JSON.parse(readFileSync(join(report, 'nodes.json'), 'utf8'));
    expect(nodes.items.map((node: { metadata: { name: string } }) => node.metadata.name)).toEqual([
      'i-0aaa',
      'i-0bbb',
    ]);
    expect(JSON.parse(readFileSync(join(report, 'cilium-status.json'), 'utf8')).pod_state.cilium.Ready).toBe(
      2,
    );
  });

  it('gives every tool of a local build a real or simulated status for the startup banner', () => {
    const report = localToolReport(process.env.PATH ?? '');
    const terraform = report.find((entry) => entry.tool === 'terraform');
    expect(terraform?.real).toBe(requireTool('terraform', 'terraform >= 1.11'));
    expect(terraform?.runsForReal).toContain('validate');
    expect(report.find((entry) => entry.tool === 'aws')).toMatchObject({ runsForReal: '' });
    expect(report.find((entry) => entry.tool === 'aws')?.real).toBeUndefined();
    const missing = localToolReport('/nonexistent');
    expect(missing.every((entry) => entry.real === undefined && entry.runsForReal === '')).toBe(true);
  });

  it("aws acm, route53 and elbv2 serve a shared cluster's tenant ingress step and its teardown, saying [simulated]", () => {
    const phaseDir = join(root, 'tenant-ingress-phase');
    mkdirSync(phaseDir, { recursive: true });
    const outputs = {
      region: { value: 'eu-west-1' },
      ingress_dns_name: { value: 'ing-0123-0123456789abcdef.elb.eu-west-1.amazonaws.com' },
      ingress_zone_id: { value: 'Z215JYRZR1TBD5' },
      ingress_tls_listener_arn: {
        value:
          'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/ing-0123/0123456789abcdef/fedcba9876543210',
      },
    };
    writeFileSync(join(phaseDir, 'terraform-outputs.json'), JSON.stringify(outputs));
    const spec = {
      tier: 'dev',
      sharedCluster: 'shared-eu',
      ingress: { domain: 'apps.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ' },
    };
    const step = (script: string) =>
      spawnSync('bash', [join(REPO_ROOT, script)], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: {
          PATH: `${SIMULATORS_DIR}:${process.env.PATH}`,
          HOME: root,
          SLIPWAY_DATA_DIR: dataDir,
          SLIPWAY_ORGANIZATION: 'acme',
          SLIPWAY_ENVIRONMENT: 'prod',
          SLIPWAY_SPEC: JSON.stringify(spec),
          ARGOCD_PHASE_DIR: phaseDir,
          ARGOCD_CERTIFICATE_TIMEOUT: '2',
          ARGOCD_CERTIFICATE_POLL_SECONDS: '0',
          ARGOCD_PRUNE_POLL_SECONDS: '0',
        },
        timeout: 30_000,
      });
    const up = step('buildspecs/scripts/argocd/tenant-ingress.sh');
    expect(up.status, up.stderr).toBe(0);
    for (const call of [
      'aws acm request-certificate *.acme.apps.example.com',
      'aws route53 change-resource-record-sets Z0123456789ABCDEFGHIJ: UPSERT CNAME',
      'aws elbv2 add-listener-certificates',
      'aws route53 change-resource-record-sets Z0123456789ABCDEFGHIJ: UPSERT A *.acme.apps.example.com',
    ])
      expect(up.stderr).toContain(`[simulated] ${call}`);
    expect(up.stdout).toMatch(/^INFO - ACM certificate \S+ \(\*\.acme\.apps\.example\.com\) is ISSUED$/m);
    expect(readdirSync(join(dataDir, 'acm'))).toHaveLength(1);
    const down = step('buildspecs/scripts/teardown/tenant-ingress-remove.sh');
    expect(down.status, down.stderr).toBe(0);
    // The teardown reads each answer (its [simulated] line included) to tell "already gone" apart.
    expect(down.stderr).toContain('[simulated] aws acm list-certificates');
    expect(down.stdout).toMatch(/^INFO - \S+ is off the TLS listener /m);
    expect(down.stdout).toMatch(
      /^INFO - alias \*\.acme\.apps\.example\.com deleted from Z0123456789ABCDEFGHIJ$/m,
    );
    expect(down.stdout).toMatch(/removed \(1 certificates\)$/m);
    expect(
      readdirSync(join(dataDir, 'route53/Z0123456789ABCDEFGHIJ')).filter((name) => name.startsWith('A_')),
    ).toEqual([]);
    expect(readdirSync(join(dataDir, 'acm'))).toEqual([]);
  });
});
