/**
 * render-tenants: writes the tenant manifests of one organization's environment as YAML.
 *
 *   SLIPWAY_ORGANIZATION=acme SLIPWAY_ENVIRONMENT=prod SLIPWAY_SPEC='{...}' \
 *     node dist/render-tenants.mjs --out DIR
 *
 * The spec is checked with the same validator as the HTTP API; on bad input every issue is printed
 * (`ERROR - network.podCidr: ...`) and the exit code is 1. Usage errors exit with 2.
 */
import { parseArgs } from 'node:util';
import { validateEnvironmentSpec } from '../../../functions/domain/environment-spec.js';
import { writeBundle } from './bundle.js';
import { renderPlatform, renderTenant } from './render.js';

const info = (message: string) => process.stdout.write(`INFO - ${message}\n`);
const error = (message: string) => process.stderr.write(`ERROR - ${message}\n`);

function main(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  let out: string | undefined;
  try {
    ({ out } = parseArgs({ args: [...argv], options: { out: { type: 'string' } }, strict: true }).values);
  } catch (cause) {
    error(cause instanceof Error ? cause.message : String(cause));
    return 2;
  }
  if (!out) {
    error('usage: render-tenants --out DIR (reads SLIPWAY_ORGANIZATION, SLIPWAY_ENVIRONMENT, SLIPWAY_SPEC)');
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
  const files = [...renderTenant({ organization, environment, spec: checked.spec }), ...renderPlatform()];
  let written: string[];
  try {
    written = writeBundle(out, files);
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
