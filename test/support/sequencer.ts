import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest on a 2-core machine (measured serially), longest first. With a few
 * workers and no timing cache (a fresh CI clone), Vitest orders files by size; a long file drawn
 * last then runs alone at the end. Starting these first lets the short files fill in around them.
 * A file missing here only loses its head start.
 */
const SLOW_FIRST = [
  'test/functions/hooks/push-fanout.test.ts',
  'test/buildspecs/ansible-pipeline.test.ts',
  'test/gitops/terraform/terraform-test.test.ts',
  'test/e2e/local-mode.test.ts',
  'test/gitops/kubernetes/properties.test.ts',
  'test/gitops/ansible/preflight.test.ts',
  'test/buildspecs/argocd-pipeline.test.ts',
  'test/buildspecs/teardown-ansible.test.ts',
  'test/gitops/kubernetes/cli.test.ts',
  'test/cli/cli-e2e.test.ts',
  'test/local/builds/pipeline.test.ts',
  'test/gitops/ansible/init-or-join.test.ts',
  'test/local/builds/terraform-phase.test.ts',
  'test/local/builds/simulators.test.ts',
  'test/buildspecs/teardown-argocd.test.ts',
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
