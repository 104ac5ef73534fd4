import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest on a 2-core machine (measured serially), longest first. With a few
 * workers and no timing cache (a fresh CI clone), Vitest orders files by size; a long file drawn
 * last then runs alone at the end. Starting these first lets the short files fill in around them.
 * A file missing here only loses its head start.
 */
const SLOW_FIRST = [
  // Wall seconds in a full run on a quiet 2-core machine (2026-12-02), longest first.
  'test/buildspecs/argocd-pipeline.test.ts', // 70
  'test/e2e/local-mode.test.ts', // 58
  'test/e2e/clusters-local-mode.test.ts', // 36
  'test/functions/hooks/push-fanout.test.ts', // 34
  'test/buildspecs/teardown-ansible.test.ts', // 30
  'test/buildspecs/teardown-argocd.test.ts', // 29
  'test/buildspecs/ansible-pipeline.test.ts', // 28
  'test/gitops/ansible/preflight.test.ts', // 27
  'test/local/builds/terraform-phase.test.ts', // 25
  'test/gitops/terraform/terraform-test.test.ts', // 19
  'test/local/builds/pipeline.test.ts', // 18
  'test/buildspecs/ansible-pipeline-failures.test.ts', // 17
  'test/gitops/terraform/render-tfvars.test.ts', // 17
  'test/gitops/ansible/init-or-join.test.ts', // 15
  'test/cli/cli-e2e.test.ts', // 14
  'test/gitops/terraform/buildspec-pipeline.test.ts', // 12
  'test/local/builds/simulators.test.ts', // 9
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = SLOW_FIRST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // Array sort is stable: the rest keep Vitest's order (timing cache, else size).
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
