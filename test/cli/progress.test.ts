import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { progressChanges, progressFrame, type Snapshot } from '../../local/cli/render/progress.js';
import { at, FAILING_RUN, LOG, RESUMED_RUN, RUN_ID, T0 } from './recorded-runs.js';

const colors = pc.createColors(false);

function replay(sequence: readonly { observedAt: number; snapshot: Snapshot }[]): string[] {
  let previous: Snapshot | undefined;
  const lines: string[] = [];
  for (const { observedAt, snapshot } of sequence) {
    lines.push(...progressChanges(previous, snapshot, { colors, now: observedAt }));
    previous = snapshot;
  }
  return lines;
}

describe('progressChanges (non-TTY: one line per change)', () => {
  it('prints the start, each phase transition and build id once, and the failure with its cause and log link', () => {
    const lines = replay(FAILING_RUN);

    expect(lines).toEqual([
      `  +0.5s acme/prod run ${RUN_ID} (api) RUNNING, environment PROVISIONING`,
      '  +0.5s terraform RUNNING',
      '  +2.5s terraform RUNNING (build slipway-terraform:0001)',
      '  +6.5s terraform SUCCEEDED in 5.0s',
      '  +6.5s ansible RUNNING (build slipway-ansible:0002)',
      '  +7.5s acme/prod FAILED',
      '  +7.5s ansible FAILED after 2.0s (build slipway-ansible:0002)',
      '  +7.5s run FAILED in 7.5s, environment FAILED',
      '        ansible failed: ansible-playbook site.yml: exit status 2',
      `          log: ${LOG}`,
      '          retry with: slipway resume acme/prod',
    ]);
  });

  it('leaves the environment off the end line while its record lags the run, and prints it when it lands', () => {
    const failed = FAILING_RUN.at(-1)?.snapshot;
    const before = FAILING_RUN.at(-2)?.snapshot;
    if (!failed || !before) throw new Error('recording too short');
    const lagging = { ...failed, environment: { ...failed.environment, status: 'PROVISIONING' } };

    const ended = progressChanges(before, lagging, { colors, now: T0 + 8500 });
    const landed = progressChanges(lagging, failed, { colors, now: T0 + 9500 });

    expect(ended).toContain('  +7.5s run FAILED in 7.5s');
    expect(landed).toEqual(['  +7.5s acme/prod FAILED']);
  });

  it("tells a shared cluster's failed run to send its spec again (clusters have no resume route)", () => {
    const failed = FAILING_RUN.at(-1)?.snapshot;
    if (!failed) throw new Error('recording too short');
    const cluster = {
      ...failed,
      environment: { ...failed.environment, organization: 'cluster', environment: 'shared-eu' },
    };

    const lines = progressChanges(undefined, cluster, { colors, now: T0 + 9000 });

    expect(lines).toContain('          retry with: slipway clusters put shared-eu -f <its spec>');
    expect(lines.join('\n')).not.toContain('slipway resume');
  });

  it('prints nothing when an observation repeats the previous one', () => {
    const [first] = FAILING_RUN;
    if (!first) throw new Error('empty recording');

    expect(progressChanges(first.snapshot, first.snapshot, { colors, now: T0 + 9000 })).toEqual([]);
  });

  it('prints skipped phases with their reason and the run that handed its outputs on', () => {
    const lines = progressChanges(undefined, RESUMED_RUN, { colors, now: T0 + 80_000 });

    expect(lines).toContain(
      ' +1m15s terraform SKIPPED: succeeded with the same inputs (outputs of acme.prod.000001.1a2b3c4d handed on)',
    );
    expect(lines).toContain(' +1m15s ansible SUCCEEDED in 40s');
    expect(lines.at(-1)).toBe(' +1m15s run SUCCEEDED in 1m15s, environment READY');
  });

  it('says when there is no run to follow', () => {
    const lines = progressChanges(
      undefined,
      { environment: { organization: 'acme', environment: 'dev', status: 'READY' } },
      { colors, now: T0 },
    );

    expect(lines).toEqual(['  +0.0s acme/dev READY, no run']);
  });
});

describe('progressFrame (TTY: redrawn in place)', () => {
  it('shows every phase with its status, elapsed time so far and build id while running', () => {
    const running = FAILING_RUN[3];
    if (!running) throw new Error('recording too short');

    const frame = progressFrame(running.snapshot, { colors, now: T0 + 9_300 });

    expect(frame.split('\n')).toEqual([
      `acme/prod  PROVISIONING  run ${RUN_ID} (api)  RUNNING  9.3s`,
      '  ✓ terraform        SUCCEEDED 5.0s    build slipway-terraform:0001',
      '  ▶ ansible          RUNNING   4.0s    build slipway-ansible:0002',
      '  · argocd-bootstrap PENDING',
    ]);
  });

  it('stops the clocks of an INTERRUPTED run at its end, the phase it left RUNNING included', () => {
    const running = FAILING_RUN[3];
    if (!running?.snapshot.run) throw new Error('recording too short');
    const interrupted: Snapshot = {
      environment: { ...running.snapshot.environment, status: 'FAILED' },
      run: { ...running.snapshot.run, status: 'INTERRUPTED', endedAt: at(9) },
    };

    const frame = progressFrame(interrupted, { colors, now: T0 + 3_600_000 });

    expect(frame.split('\n').slice(0, 3)).toEqual([
      `acme/prod  FAILED  run ${RUN_ID} (api)  INTERRUPTED  9.0s`,
      '  ✓ terraform        SUCCEEDED 5.0s    build slipway-terraform:0001',
      '  ▶ ansible          RUNNING   3.7s    build slipway-ansible:0002',
    ]);
  });

  it('shows the phase an INTERRUPTED run was in as INTERRUPTED, its time ended with the run', () => {
    const running = FAILING_RUN[3];
    if (!running?.snapshot.run) throw new Error('recording too short');
    const { run } = running.snapshot;
    const interrupted: Snapshot = {
      environment: { ...running.snapshot.environment, status: 'FAILED' },
      run: {
        ...run,
        status: 'INTERRUPTED',
        endedAt: at(9),
        phases: run.phases.map((phase) =>
          phase.status === 'RUNNING' ? { ...phase, status: 'INTERRUPTED', endedAt: at(9) } : phase,
        ),
      },
    };

    const frame = progressFrame(interrupted, { colors, now: T0 + 3_600_000 });
    const lines = progressChanges(running.snapshot, interrupted, { colors, now: T0 + 3_600_000 });

    expect(frame.split('\n').slice(1, 3)).toEqual([
      '  ✓ terraform        SUCCEEDED   5.0s    build slipway-terraform:0001',
      '  ⊘ ansible          INTERRUPTED 3.7s    build slipway-ansible:0002',
    ]);
    expect(lines).toContain('  +9.0s ansible INTERRUPTED after 3.7s');
  });

  it('ends with the cause, the log link and how to resume when the run failed', () => {
    const failed = FAILING_RUN.at(-1);
    if (!failed) throw new Error('empty recording');

    const frame = progressFrame(failed.snapshot, { colors, now: T0 + 60_000 });

    expect(frame).toContain('acme/prod  FAILED');
    expect(frame).toContain('  ✗ ansible          FAILED    2.0s    build slipway-ansible:0002');
    expect(frame).toContain('ansible failed: ansible-playbook site.yml: exit status 2');
    expect(frame).toContain(`  log: ${LOG}`);
    expect(frame).toContain('7.5s');
  });

  it("names the environment's log group and its console link under the phases", () => {
    const failed = FAILING_RUN.at(-1);
    if (!failed) throw new Error('empty recording');
    const link =
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fslipway$252Facme$252Fprod$252Fworkloads';
    const snapshot = {
      ...failed.snapshot,
      environment: {
        ...failed.snapshot.environment,
        logs: { logGroup: '/slipway/acme/prod/workloads', retentionDays: 30, link },
      },
    };

    const lines = progressFrame(snapshot, { colors, now: T0 + 60_000 }).split('\n');

    expect(lines.slice(-2)).toEqual(['  logs: /slipway/acme/prod/workloads, 30 days', `        ${link}`]);
    expect(progressFrame(failed.snapshot, { colors, now: T0 + 60_000 })).not.toContain('logs:');
  });

  it('shows a skip reason in place of a build id', () => {
    const frame = progressFrame(RESUMED_RUN, { colors, now: T0 });

    expect(frame).toContain(
      '  ↷ terraform        SKIPPED           succeeded with the same inputs (outputs of acme.prod.000001.1a2b3c4d handed on)',
    );
  });

  it('colours statuses only when asked to', () => {
    const frame = progressFrame(RESUMED_RUN, { colors: pc.createColors(true), now: T0 });

    expect(frame).toContain('\u001b[32mSUCCEEDED');
    expect(progressFrame(RESUMED_RUN, { colors, now: T0 })).not.toContain('\u001b[');
  });
});
