import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Which real tools the local simulators hand work to, and which they cover entirely, for the
 * startup banner. A simulator always stands first on a build's PATH (local/simulators); when the
 * real tool is installed it runs what works offline (below), otherwise the simulator covers the
 * whole command and says so in the build log.
 */
export interface ToolStatus {
  readonly tool: string;
  /** Absolute path of the real tool, when installed. */
  readonly real?: string;
  /** What the real tool runs in a local build (empty when it is simulated entirely). */
  readonly runsForReal: string;
  /** What is always simulated, and why. */
  readonly simulated: string;
  /** How to install it, for the banner, when it is missing. */
  readonly install: string;
}

const TOOLS: ReadonlyArray<Omit<ToolStatus, 'real'>> = [
  {
    tool: 'terraform',
    runsForReal:
      'fmt, init -backend=false with the provider mirror, validate, plan+apply of the root against mock_provider "aws" (terraform test)',
    simulated: 'the AWS API: ids AWS assigns are deterministic stand-ins, state lives in a local folder',
    install: 'terraform 1.11 from releases.hashicorp.com',
  },
  {
    tool: 'kubectl',
    runsForReal: 'kustomize, config',
    simulated: 'apply/wait/get/rollout: there is no API server',
    install: 'kubectl 1.32 from dl.k8s.io',
  },
  {
    tool: 'ansible-playbook',
    runsForReal: '--syntax-check, --list-tasks',
    simulated: 'playbook runs: the nodes do not exist',
    install: 'apt-get install ansible',
  },
  {
    tool: 'ansible-lint',
    runsForReal: 'ansible-lint --offline',
    simulated: 'nothing',
    install: 'apt-get install ansible-lint',
  },
  {
    tool: 'git',
    runsForReal: 'clone/commit/push to the local GitOps repository',
    simulated: 'nothing',
    install: 'apt-get install git',
  },
  {
    tool: 'jq',
    runsForReal: 'everything (the phase scripts need it)',
    simulated: 'nothing',
    install: 'apt-get install jq',
  },
  {
    tool: 'aws',
    runsForReal: '',
    simulated: 'always: S3 and Secrets Manager are local folders, SSM sessions do not exist',
    install: '(not needed)',
  },
  {
    tool: 'session-manager-plugin',
    runsForReal: '',
    simulated: 'always: there is no instance to connect to',
    install: '(not needed)',
  },
  { tool: 'helm', runsForReal: '', simulated: 'always: there is no cluster', install: '(not needed)' },
  {
    tool: 'argocd',
    runsForReal: '',
    simulated: 'always: there is no Argo CD server',
    install: '(not needed)',
  },
  { tool: 'cilium', runsForReal: '', simulated: 'always: there is no cluster', install: '(not needed)' },
];

/** Tools whose real binary the simulators use when present (the others never run for real). */
const PASSED_THROUGH = new Set(['terraform', 'kubectl', 'ansible-playbook', 'ansible-lint', 'git', 'jq']);

/** The real and simulated tools of a local build on this machine (`path` is the PATH after the simulators). */
export function localToolReport(path: string = process.env.PATH ?? ''): ToolStatus[] {
  return TOOLS.map((entry) => {
    const real = PASSED_THROUGH.has(entry.tool) ? findOnPath(entry.tool, path) : undefined;
    return real ? { ...entry, real } : { ...entry, runsForReal: '' };
  });
}

export function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(':')) {
    if (dir && !dir.endsWith('local/simulators') && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The root of a filesystem mirror of the hashicorp/aws provider (the folder that holds
 * `registry.terraform.io`), or undefined. Looks at SLIPWAY_TF_PLUGIN_DIR, then the usual places,
 * then a bounded search of /opt and /usr (the machine image keeps one there).
 */
export function findTerraformProviderMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const holdsAws = (root: string) => existsSync(join(root, 'registry.terraform.io', 'hashicorp', 'aws'));
  const candidates = [
    env.SLIPWAY_TF_PLUGIN_DIR,
    '/opt/tf-plugins',
    '/usr/share/terraform/plugins',
    '/usr/local/share/terraform/plugins',
    join(homedir(), '.terraform.d', 'plugins'),
    join(homedir(), '.local', 'share', 'terraform', 'plugins'),
  ].filter((dir): dir is string => Boolean(dir));
  const known = candidates.find(holdsAws);
  if (known) return known;
  try {
    const found = execFileSync(
      'find',
      [
        '/opt',
        '/usr/share',
        '/usr/local',
        '-maxdepth',
        '7',
        '-type',
        'd',
        '-path',
        '*registry.terraform.io/hashicorp/aws',
      ],
      { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const first = found.split('\n').find(Boolean);
    return first ? first.slice(0, first.indexOf('/registry.terraform.io')) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a folder holds any provider at all (a mirror that is empty is no mirror). */
export function mirrorHoldsProviders(root: string): boolean {
  try {
    return readdirSync(join(root, 'registry.terraform.io')).length > 0;
  } catch {
    return false;
  }
}
