/** The startup banner: where things are, how to get in, and what is real or simulated here. */
import { HOOK_SECRET_VARIABLES } from '../functions/adapters/secrets/hook-secrets.js';
import type { LocalControlPlane } from './control-plane.js';

/**
 * Whether the GitHub and GitLab push hooks accept deliveries: each is on once its variable is set
 * (read at each delivery, so setting one needs no restart). Says which variable, never its value.
 */
export function pushHooksLine(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const state = (source: 'github' | 'gitlab') => {
    const variable = HOOK_SECRET_VARIABLES[source];
    return env[variable]?.trim()
      ? `${url}/v1/hooks/${source} on (${variable} is set)`
      : `${source} off (set ${variable} to turn it on)`;
  };
  return `  push hooks      ${state('github')}; ${state('gitlab')}`;
}

export function banner(plane: LocalControlPlane): string {
  const lines = [
    `slipway local: ready at ${plane.url}`,
    `  data folder     ${plane.settings.dataDir} (state survives restarts; delete it to start over)`,
    `  state machine   ${plane.definitionCached ? 'cached synthesized definition' : 'synthesized from the CDK app'}`,
    `  token signing   ${plane.devSecretSource}`,
    '  get a token     npm run token -- --org <org> --role <platform-admin|org-admin|developer|viewer>',
    `  try it          SLIPWAY_ENDPOINT=${plane.url} SLIPWAY_TOKEN=<token> npx slipway orgs`,
    `  alerts          ${plane.alerts.alertsFile}${process.env.SLIPWAY_ALERT_WEBHOOKS ? ` and POST to ${process.env.SLIPWAY_ALERT_WEBHOOKS}` : ''}`,
    pushHooksLine(plane.url),
    `  builds          ${plane.settings.buildConcurrency} at once, BUILD phase held ${plane.settings.phaseSeconds} s (SLIPWAY_LOCAL_PHASE_SECONDS), logs in ${plane.settings.dataDir}/builds/`,
    '  tools in the local builds:',
  ];
  const allSimulated = plane.settings.realTools === 'none';
  if (allSimulated)
    lines.push('    SLIPWAY_LOCAL_REAL_TOOLS=none: every tool below is [simulated], installed or not');
  for (const tool of plane.tools) {
    if (allSimulated) {
      lines.push(
        `    [simulated] ${tool.tool.padEnd(23)} entirely: ${tool.runsForReal ? `${tool.simulated}; also ${tool.runsForReal}` : tool.simulated}`,
      );
    } else if (tool.real) {
      lines.push(`    real       ${tool.tool.padEnd(24)} ${tool.runsForReal}; [simulated] ${tool.simulated}`);
    } else if (tool.runsForReal) {
      lines.push(
        `    [simulated] ${tool.tool.padEnd(23)} missing here, simulated entirely — install: ${tool.install}`,
      );
    } else {
      lines.push(`    [simulated] ${tool.tool.padEnd(23)} ${tool.simulated}`);
    }
  }
  for (const run of plane.recovered) {
    lines.push(
      `  interrupted     ${run.organization}/${run.environment} run ${run.runId}: resume it with npx slipway resume ${run.organization}/${run.environment}`,
    );
  }
  lines.push('  Ctrl-C stops it.');
  return lines.join('\n');
}
