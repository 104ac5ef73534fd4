/**
 * Recorded observations of runs, shaped like the API's GET environment answers, for the
 * renderer and watch-loop tests: a provisioning run that fails at ansible, and a resume whose
 * terraform phase is skipped.
 */
import type { Snapshot } from '../../local/cli/render/progress.js';

export const T0 = Date.parse('2026-12-01T20:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

const RUN_ID = 'acme.prod.000001.1a2b3c4d';
const LOG = 'https://console.aws.amazon.com/cloudwatch/home#logsV2:log-groups/log-group/fake/ansible-0002';

function snapshot(
  status: string,
  runStatus: string,
  phases: Snapshot['run'] extends infer R ? (R extends { phases: infer P } ? P : never) : never,
  extra: Record<string, unknown> = {},
): Snapshot {
  return {
    environment: { organization: 'acme', environment: 'prod', status },
    run: { runId: RUN_ID, status: runStatus, trigger: 'api', startedAt: at(0), phases, ...extra },
  };
}

const pending = (phase: string) => ({ phase, status: 'PENDING' });

/** PROVISIONING → terraform runs and succeeds → ansible fails → FAILED. */
export const FAILING_RUN: readonly { observedAt: number; snapshot: Snapshot }[] = [
  {
    observedAt: T0 + 500,
    snapshot: snapshot('PROVISIONING', 'RUNNING', [
      { phase: 'terraform', status: 'RUNNING', startedAt: at(0.2) },
      pending('ansible'),
      pending('argocd-bootstrap'),
    ]),
  },
  {
    observedAt: T0 + 2500,
    snapshot: snapshot('PROVISIONING', 'RUNNING', [
      { phase: 'terraform', status: 'RUNNING', startedAt: at(0.2), buildId: 'slipway-terraform:0001' },
      pending('ansible'),
      pending('argocd-bootstrap'),
    ]),
  },
  {
    observedAt: T0 + 4500,
    snapshot: snapshot('PROVISIONING', 'RUNNING', [
      { phase: 'terraform', status: 'RUNNING', startedAt: at(0.2), buildId: 'slipway-terraform:0001' },
      pending('ansible'),
      pending('argocd-bootstrap'),
    ]),
  },
  {
    observedAt: T0 + 6500,
    snapshot: snapshot('PROVISIONING', 'RUNNING', [
      {
        phase: 'terraform',
        status: 'SUCCEEDED',
        startedAt: at(0.2),
        endedAt: at(5.2),
        durationSeconds: 5,
        buildId: 'slipway-terraform:0001',
      },
      { phase: 'ansible', status: 'RUNNING', startedAt: at(5.3), buildId: 'slipway-ansible:0002' },
      pending('argocd-bootstrap'),
    ]),
  },
  {
    observedAt: T0 + 8500,
    snapshot: snapshot(
      'FAILED',
      'FAILED',
      [
        {
          phase: 'terraform',
          status: 'SUCCEEDED',
          startedAt: at(0.2),
          endedAt: at(5.2),
          durationSeconds: 5,
          buildId: 'slipway-terraform:0001',
        },
        {
          phase: 'ansible',
          status: 'FAILED',
          startedAt: at(5.3),
          endedAt: at(7.3),
          durationSeconds: 2,
          buildId: 'slipway-ansible:0002',
          logLink: LOG,
        },
        pending('argocd-bootstrap'),
      ],
      {
        endedAt: at(7.5),
        error: {
          phase: 'ansible',
          cause: 'ansible-playbook site.yml: exit status 2',
          logLink: LOG,
          retryable: true,
        },
      },
    ),
  },
];

/** A resume: terraform SKIPPED with its reason, ansible and argocd-bootstrap run, READY. */
export const RESUMED_RUN: Snapshot = {
  environment: { organization: 'acme', environment: 'prod', status: 'READY' },
  run: {
    runId: 'acme.prod.000002.1a2b3c4d',
    status: 'SUCCEEDED',
    trigger: 'resume',
    startedAt: at(0),
    endedAt: at(75),
    phases: [
      {
        phase: 'terraform',
        status: 'SKIPPED',
        reason: 'succeeded with the same inputs',
        handedOnFrom: 'acme.prod.000001.1a2b3c4d',
      },
      {
        phase: 'ansible',
        status: 'SUCCEEDED',
        startedAt: at(1),
        endedAt: at(41),
        durationSeconds: 40,
        buildId: 'b-2',
      },
      {
        phase: 'argocd-bootstrap',
        status: 'SUCCEEDED',
        startedAt: at(41),
        endedAt: at(74),
        durationSeconds: 33,
        buildId: 'b-3',
      },
    ],
  },
};

export { LOG, RUN_ID };
