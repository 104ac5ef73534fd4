/**
 * render-tenants: writes the tenant manifests of one organization's environment as YAML.
 *
 *   SLIPWAY_ORGANIZATION=acme SLIPWAY_ENVIRONMENT=prod SLIPWAY_SPEC='{...}' \
 *     node dist/render-tenants.mjs --out DIR [--expected-applications FILE]
 *
 * With --expected-applications, FILE (outside DIR: it is not part of the bundle) receives
 * `{"applications": [{"name", "path"}]}`, the Argo CD Applications the rendered ApplicationSet
 * generates, which the bootstrap phase waits for. SLIPWAY_TENANT_SECRETS_ROLE_ARN (optional) gives
 * every tenant namespace a SecretStore through the organization's External Secrets role. The spec is checked with the same validator as the HTTP API; on bad input every issue is printed
 * (`ERROR - network.podCidr: ...`) and the exit code is 1. Usage errors exit with 2.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateClusterSpec } from '../../../functions/domain/cluster.js';
import { withoutPlacement } from '../../../functions/domain/cluster-placement.js';
import { validateEnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { writeBundle } from './bundle.js';
import {
  type ManifestFile,
  renderPlatform,
  renderTenant,
  type TenantInput,
  tenantApplications,
} from './render.js';
import { type ArgocdPart, isArgocdPart } from './shared.js';

const info = (message: string) => process.stdout.write(`INFO - ${message}\n`);
const error = (message: string) => process.stderr.write(`ERROR - ${message}\n`);

function main(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  let out: string | undefined;
  let applicationsFile: string | undefined;
  let part: ArgocdPart = 'all';
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        out: { type: 'string' },
        'expected-applications': { type: 'string' },
        part: { type: 'string' },
      },
      strict: true,
    });
    out = values.out;
    applicationsFile = values['expected-applications'];
    const chosen = values.part ?? env.SLIPWAY_ARGOCD_PART ?? 'all';
    if (!isArgocdPart(chosen)) throw new Error(`--part must be all, platform or tenant, not '${chosen}'`);
    part = chosen;
  } catch (cause) {
    error(cause instanceof Error ? cause.message : String(cause));
    return 2;
  }
  if (!out) {
    error(
      'usage: render-tenants --out DIR [--expected-applications FILE] [--part all|platform|tenant] (reads SLIPWAY_ORGANIZATION, SLIPWAY_ENVIRONMENT, SLIPWAY_SPEC; the platform part of a shared cluster also SLIPWAY_GITOPS_REPOSITORY, SLIPWAY_GITOPS_BRANCH)',
    );
    return 2;
  }
  const missing = ['SLIPWAY_ORGANIZATION', 'SLIPWAY_ENVIRONMENT', 'SLIPWAY_SPEC'].filter(
    (name) => !env[name],
  );
  if (missing.length > 0) {
    for (const name of missing) error(`required environment variable ${name} is not set`);
    return 2;
  }
  const organization = env.SLIPWAY_ORGANIZATION ?? '';
  const environment = env.SLIPWAY_ENVIRONMENT ?? '';
  let input: unknown;
  try {
    input = JSON.parse(env.SLIPWAY_SPEC ?? '');
  } catch (cause) {
    error(`SLIPWAY_SPEC: is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`);
    return 1;
  }
  let files: ManifestFile[];
  let tenant: TenantInput | undefined;
  if (part === 'platform') {
    // A shared cluster's own run: its spec is a cluster spec, and it carries no tenant.
    const checked = validateClusterSpec(input, environment);
    if (!checked.ok) {
      for (const issue of checked.issues) error(issue.message);
      return 1;
    }
    const repository = env.SLIPWAY_GITOPS_REPOSITORY;
    if (!repository) {
      error(
        'required environment variable SLIPWAY_GITOPS_REPOSITORY is not set (the platform part of a shared cluster)',
      );
      return 2;
    }
    files = renderPlatform(
      checked.spec.kubernetesVersion,
      { cluster: environment, repository, revision: env.SLIPWAY_GITOPS_BRANCH || 'main' },
      checked.spec.ingress?.domain,
    );
  } else {
    // A tenant's recorded spec is resolved against its cluster; `sharedCluster` is placement only.
    const spec =
      typeof input === 'object' && input !== null
        ? withoutPlacement(input as Record<string, unknown>)
        : input;
    const checked = validateEnvironmentSpec(spec, { organization, environment });
    if (!checked.ok) {
      for (const issue of checked.issues) error(issue.message);
      return 1;
    }
    // The organization's External Secrets role (Terraform output tenant_secrets_role_arns): one
    // SecretStore per namespace through it. The argocd phase always sets it.
    const roleArn = env.SLIPWAY_TENANT_SECRETS_ROLE_ARN;
    tenant = { organization, environment, spec: checked.spec, ...(roleArn ? { secrets: { roleArn } } : {}) };
    if (!roleArn) info('SLIPWAY_TENANT_SECRETS_ROLE_ARN is not set: no SecretStore is rendered');
    try {
      files =
        part === 'tenant'
          ? renderTenant(tenant)
          : [
              ...renderTenant(tenant),
              ...renderPlatform(checked.spec.kubernetesVersion, undefined, checked.spec.ingress?.domain),
            ];
    } catch (cause) {
      error(cause instanceof Error ? cause.message : String(cause));
      return 1;
    }
  }
  let written: string[];
  try {
    written = writeBundle(out, files);
    if (applicationsFile) {
      const applications = tenant ? tenantApplications(tenant) : [];
      writeFileSync(applicationsFile, `${JSON.stringify({ applications }, null, 2)}\n`);
      info(`expected Applications: ${applications.map((app) => app.name).join(', ')} (${applicationsFile})`);
    }
  } catch (cause) {
    error(cause instanceof Error ? cause.message : String(cause));
    return 1;
  }
  const objects = files.reduce((count, file) => count + file.objects.length, 0);
  info(
    `rendered ${objects} objects (${part} part) for ${organization}/${environment} into ${written.length} files in ${out}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2), process.env);
