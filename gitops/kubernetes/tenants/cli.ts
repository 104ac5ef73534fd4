/**
 * render-tenants: writes the tenant manifests of one organization's environment as YAML.
 *
 *   SLIPWAY_ORGANIZATION=acme SLIPWAY_ENVIRONMENT=prod SLIPWAY_SPEC='{...}' \
 *     node dist/render-tenants.mjs --out DIR [--expected-applications FILE]
 *
 * With --expected-applications, FILE (outside DIR: it is not part of the bundle) receives
 * `{"applications": [{"name", "path"}]}`, the Argo CD Applications the rendered ApplicationSet
 * generates, which the bootstrap phase waits for. The spec is checked with the same validator as the HTTP API; on bad input every issue is printed
 * (`ERROR - network.podCidr: ...`) and the exit code is 1. Usage errors exit with 2.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateEnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { writeBundle } from './bundle.js';
import { renderPlatform, renderTenant, tenantApplications } from './render.js';

const info = (message: string) => process.stdout.write(`INFO - ${message}\n`);
const error = (message: string) => process.stderr.write(`ERROR - ${message}\n`);

function main(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  let out: string | undefined;
  let applicationsFile: string | undefined;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { out: { type: 'string' }, 'expected-applications': { type: 'string' } },
      strict: true,
    });
    out = values.out;
    applicationsFile = values['expected-applications'];
  } catch (cause) {
    error(cause instanceof Error ? cause.message : String(cause));
    return 2;
  }
  if (!out) {
    error(
      'usage: render-tenants --out DIR [--expected-applications FILE] (reads SLIPWAY_ORGANIZATION, SLIPWAY_ENVIRONMENT, SLIPWAY_SPEC)',
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
  const checked = validateEnvironmentSpec(input, { organization, environment });
  if (!checked.ok) {
    for (const issue of checked.issues) error(issue.message);
    return 1;
  }
  const tenant = { organization, environment, spec: checked.spec };
  const files = [...renderTenant(tenant), ...renderPlatform(checked.spec.kubernetesVersion)];
  let written: string[];
  try {
    written = writeBundle(out, files);
    if (applicationsFile) {
      const applications = tenantApplications(tenant);
      writeFileSync(applicationsFile, `${JSON.stringify({ applications }, null, 2)}\n`);
      info(`expected Applications: ${applications.map((app) => app.name).join(', ')} (${applicationsFile})`);
    }
  } catch (cause) {
    error(cause instanceof Error ? cause.message : String(cause));
    return 1;
  }
  const objects = files.reduce((count, file) => count + file.objects.length, 0);
  info(
    `rendered ${objects} objects for ${organization}/${environment} into ${written.length} files in ${out}`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2), process.env);
