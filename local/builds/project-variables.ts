import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The variables CDK sets on each phase's CodeBuild project (infra/constructs/phase-projects.ts,
 * docs/phase-contract.md), with local values: bucket names of the simulated S3 folder, a local
 * KMS key id, and for argocd-bootstrap the local API's hook URLs and a local bare Git repository
 * standing in for the GitOps remote.
 */
export interface LocalProjectSettings {
  readonly dataDir: string;
  /** Where clusters would reach Slipway's hooks (the local API's base URL). @default '' */
  readonly callbackBaseUrl?: string;
  /** The GitOps remote. @default a bare repository at `<dataDir>/gitops.git`, created with a `main` branch */
  readonly gitopsRepository?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /**
   * The OpenID Connect issuer of kube-apiserver and Argo CD sign-in. @default 'disabled' (local
   * mode signs its own tokens and runs no identity provider a cluster could use)
   */
  readonly oidcIssuerUrl?: string;
  /** @default '' */
  readonly oidcClientId?: string;
}

export const LOCAL_BUCKETS = {
  state: 'slipway-local-terraform-state',
  artifacts: 'slipway-local-artifacts',
} as const;

/**
 * `build.tempDir` is the build's own TMPDIR. A CodeBuild build has its container's /tmp to itself,
 * so the buildspecs put working folders at fixed /tmp paths; local builds share one /tmp, so the
 * local projects point those folders into the build's own TMPDIR (project variables take
 * precedence over the buildspec's, as in CodeBuild).
 */
export function localProjectVariables(
  settings: LocalProjectSettings,
): (
  phase: string,
  projectName?: string,
  build?: { readonly tempDir: string },
) => Readonly<Record<string, string>> {
  const account = settings.accountId ?? '123456789012';
  const region = settings.region ?? 'us-east-1';
  const base = settings.callbackBaseUrl ?? '';
  return (phase, _projectName, build) => {
    const variables: Record<string, string> = {
      SLIPWAY_PHASE: phase,
      SLIPWAY_STATE_BUCKET: LOCAL_BUCKETS.state,
      SLIPWAY_ARTIFACT_BUCKET: LOCAL_BUCKETS.artifacts,
      SLIPWAY_SECRETS_KMS_KEY_ID: `arn:aws:kms:${region}:${account}:key/00000000-0000-4000-8000-000000000000`,
      SLIPWAY_OIDC_ISSUER_URL: settings.oidcIssuerUrl ?? 'disabled',
      SLIPWAY_OIDC_CLIENT_ID: settings.oidcClientId ?? '',
    };
    if (build && phase === 'ansible') {
      variables.ANSIBLE_HOME = join(build.tempDir, 'ansible-home');
      variables.ANSIBLE_LOCAL_TEMP = join(build.tempDir, 'ansible-local');
    }
    if (build && phase === 'argocd-bootstrap') {
      variables.ARGOCD_PHASE_DIR = join(build.tempDir, 'argocd-phase');
    }
    if (phase === 'terraform') {
      variables.SLIPWAY_NODE_PERMISSIONS_BOUNDARY = `arn:aws:iam::${account}:policy/SlipwayLocal-NodeBoundary`;
    }
    if (phase === 'argocd-bootstrap') {
      variables.SLIPWAY_ARGOCD_WEBHOOK_URL = base ? `${base}/v1/hooks/argocd` : '';
      variables.SLIPWAY_ALERTMANAGER_WEBHOOK_URL = base ? `${base}/v1/hooks/alertmanager` : '';
      variables.SLIPWAY_GITOPS_REPOSITORY =
        settings.gitopsRepository ?? ensureLocalGitopsRemote(settings.dataDir);
    }
    return variables;
  };
}

/** A bare Git repository with one empty commit on `main`, created once under the data folder. */
export function ensureLocalGitopsRemote(dataDir: string): string {
  const remote = resolve(join(dataDir, 'gitops.git'));
  if (existsSync(join(remote, 'HEAD'))) return remote;
  mkdirSync(remote, { recursive: true });
  const git = (args: string[], cwd = remote) =>
    execFileSync('git', args, {
      cwd,
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: remote },
    });
  git(['init', '--quiet', '--bare', '--initial-branch=main']);
  const seed = join(dataDir, 'gitops-seed');
  mkdirSync(seed, { recursive: true });
  git(['init', '--quiet', '--initial-branch=main'], seed);
  git(
    [
      '-c',
      'user.name=Slipway',
      '-c',
      'user.email=slipway@users.noreply.invalid',
      'commit',
      '--quiet',
      '--allow-empty',
      '-m',
      'Slipway local GitOps repository',
    ],
    seed,
  );
  git(['push', '--quiet', remote, 'HEAD:main'], seed);
  execFileSync('rm', ['-rf', seed]);
  return remote;
}
