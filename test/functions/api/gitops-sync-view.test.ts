import { describe, expect, it } from 'vitest';
import { PhaseView } from '../../../functions/domain/api/schemas.js';
import { phaseView } from '../../../functions/domain/api/views.js';
import type { PhaseState } from '../../../functions/domain/use-cases/ports.js';
import { COMMIT } from '../../support/fixtures.js';

/*
 * The ArgoCD phase of a push-started run records which commit it synced (GITOPS_* outputs,
 * buildspecs/scripts/argocd/bootstrap.sh); the run and environment views (GET …/runs/{id}, GET
 * …/environments/{env}) show it as the phase's gitopsSync, and nothing else of the outputs.
 */

const LATER = 'b'.repeat(40);

function argocd(overrides: Partial<PhaseState>): PhaseState {
  return {
    status: 'SUCCEEDED',
    startedAt: '2026-12-01T10:00:00.000Z',
    endedAt: '2026-12-01T10:05:00.000Z',
    outputs: {
      ARGOCD_SYNC_STATUS: 'Synced',
      TENANT_MANIFESTS_REVISION: 'c'.repeat(40),
      GITOPS_COMMIT: COMMIT,
      GITOPS_SYNC_RESULT: 'Synced',
      GITOPS_SYNCED_REVISION: COMMIT,
    },
    ...overrides,
  };
}

describe('gitopsSync of the ArgoCD phase view', () => {
  it('shows the pushed commit, the result and the revision Argo CD reported, and no other output', () => {
    const view = phaseView('argocd-bootstrap', argocd({}));
    expect(view.gitopsSync).toEqual({ commit: COMMIT, result: 'Synced', revision: COMMIT });
    expect(JSON.stringify(view)).not.toContain('c'.repeat(40));
    expect(PhaseView.parse(view)).toEqual(view);
  });

  it('shows a superseded commit with the later revision, and a failed sync as Failed', () => {
    const superseded = argocd({
      outputs: { GITOPS_COMMIT: COMMIT, GITOPS_SYNC_RESULT: 'Superseded', GITOPS_SYNCED_REVISION: LATER },
    });
    expect(phaseView('argocd-bootstrap', superseded).gitopsSync).toEqual({
      commit: COMMIT,
      result: 'Superseded',
      revision: LATER,
    });
    const failed = argocd({
      status: 'FAILED',
      outputs: { GITOPS_COMMIT: COMMIT, GITOPS_SYNC_RESULT: 'Failed', GITOPS_SYNCED_REVISION: '' },
    });
    expect(phaseView('argocd-bootstrap', failed).gitopsSync).toEqual({ commit: COMMIT, result: 'Failed' });
    // An unexpected value is not passed through as if it were a result.
    const odd = argocd({ outputs: { GITOPS_COMMIT: COMMIT, GITOPS_SYNC_RESULT: 'maybe' } });
    expect(phaseView('argocd-bootstrap', odd).gitopsSync?.result).toBe('Failed');
  });

  it('shows none for an API run (no commit) and for a SKIPPED phase, whose outputs are an earlier run’s', () => {
    expect(
      phaseView('argocd-bootstrap', argocd({ outputs: { GITOPS_COMMIT: '', GITOPS_SYNC_RESULT: '' } })),
    ).not.toHaveProperty('gitopsSync');
    expect(phaseView('argocd-bootstrap', argocd({ status: 'SKIPPED' }))).not.toHaveProperty('gitopsSync');
  });
});
