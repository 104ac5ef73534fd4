import { describe, expect, it } from 'vitest';
import { validateClusterSpec } from '../../../functions/domain/cluster.js';
import { parseSharedRequest, resolveSharedSpec } from '../../../functions/domain/cluster-placement.js';
import {
  DEFAULT_LOG_RETENTION_DAYS,
  LOG_RETENTION_DAYS,
  logRetentionDays,
  validateEnvironmentSpec,
} from '../../../functions/domain/environment-spec.js';
import { environmentLogGroup, logGroupConsoleUrl, platformLogGroup } from '../../../functions/domain/logs.js';
import { phaseInputs } from '../../../functions/domain/phase-plan.js';
import { validSpec } from '../../support/fixtures.js';

/** The spec's logs section, the log group names and links, and what a shared cluster provides. */

const withLogs = (logs: unknown) => ({ ...validSpec(), logs });

function issuesOf(input: unknown) {
  const result = validateEnvironmentSpec(input);
  return result.ok ? [] : result.issues;
}

describe('logs.retentionDays', () => {
  it("accepts each of CloudWatch Logs' retentions, and no logs section at all (the default, 30 days)", () => {
    expect(LOG_RETENTION_DAYS).toHaveLength(22);
    for (const days of LOG_RETENTION_DAYS)
      expect(issuesOf(withLogs({ retentionDays: days })), `${days}`).toEqual([]);
    expect(issuesOf(withLogs({}))).toEqual([]);
    expect(DEFAULT_LOG_RETENTION_DAYS).toBe(30);
    expect(logRetentionDays(validSpec())).toBe(30);
    expect(logRetentionDays({ logs: { retentionDays: 731 } })).toBe(731);
  });

  it.each([
    [0, 'CloudWatch Logs accepts'],
    [31, 'CloudWatch Logs accepts'],
    [-1, 'CloudWatch Logs accepts'],
    [30.5, 'CloudWatch Logs accepts'],
    ['30', 'number'],
    [null, 'number'],
  ])('refuses %j naming logs.retentionDays', (value, message) => {
    const issues = issuesOf(withLogs({ retentionDays: value }));
    expect(issues.map((found) => found.field)).toEqual(['logs.retentionDays']);
    expect(issues[0]?.message).toContain(message);
  });

  it('refuses an unknown logs field and a logs that is not an object, naming them', () => {
    expect(
      issuesOf(withLogs({ logGroup: '/slipway/other/prod/workloads' })).map((found) => found.field),
    ).toEqual(['logs.logGroup']);
    expect(issuesOf(withLogs(30)).map((found) => found.field)).toEqual(['logs']);
  });

  it('enters the terraform fingerprint, always: a retention change re-runs Terraform, a spelled-out default does not', () => {
    const base = phaseInputs('terraform', validSpec());
    expect(phaseInputs('terraform', withLogs({ retentionDays: 30 }))).toBe(base);
    expect(phaseInputs('terraform', withLogs({ retentionDays: 90 }))).not.toBe(base);
    expect(phaseInputs('argocd-bootstrap', withLogs({ retentionDays: 90 }))).toBe(
      phaseInputs('argocd-bootstrap', validSpec()),
    );
  });
});

describe('log groups and links', () => {
  it("names an environment's groups under /slipway/<org>/<env>/, a shared cluster's by its platform group", () => {
    expect(environmentLogGroup('acme', 'prod')).toBe('/slipway/acme/prod/workloads');
    expect(platformLogGroup('acme', 'prod')).toBe('/slipway/acme/prod/platform');
    expect(environmentLogGroup('cluster', 'shared-eu')).toBe('/slipway/cluster/shared-eu/platform');
  });

  it('links the CloudWatch console of the region, the group name encoded as the console expects', () => {
    expect(logGroupConsoleUrl('eu-west-1', '/slipway/acme/prod/workloads')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fslipway$252Facme$252Fprod$252Fworkloads',
    );
  });
});

describe('a shared cluster provides the retention', () => {
  const { namespaces: _namespaces, gitops: _gitops, ...clusterBody } = validSpec();
  const tenant = {
    tier: validSpec().tier,
    sharedCluster: 'shared-eu',
    namespaces: validSpec().namespaces,
    gitops: validSpec().gitops,
  };

  it("copies the cluster's logs into the tenant's resolved spec", () => {
    const cluster = validateClusterSpec({ ...clusterBody, logs: { retentionDays: 90 } }, 'shared-eu');
    if (!cluster.ok) throw new Error(JSON.stringify(cluster.issues));
    const request = parseSharedRequest(tenant);
    if (!request.ok) throw new Error(JSON.stringify(request.issues));
    const resolved = resolveSharedSpec(request.spec, cluster.spec, {
      organization: 'acme',
      environment: 'prod',
    });
    expect(resolved.ok && resolved.spec.logs).toEqual({ retentionDays: 90 });
  });

  it("refuses a tenant's own logs, naming the field, and a cluster's bad retention", () => {
    const request = parseSharedRequest({ ...tenant, logs: { retentionDays: 7 } });
    expect(request.ok).toBe(false);
    if (request.ok) return;
    expect(request.issues).toEqual([
      {
        field: 'logs',
        message: 'logs: is the shared cluster\'s: a spec with "sharedCluster" does not set it',
      },
    ]);
    const cluster = validateClusterSpec({ ...clusterBody, logs: { retentionDays: 8 } }, 'shared-eu');
    expect(cluster.ok ? [] : cluster.issues.map((found) => found.field)).toEqual(['logs.retentionDays']);
  });
});
