/**
 * Workflow task AcquireLock: the run was started by the API (run item recorded, environment
 * locked with the run's spec); this step trusts nothing it is given. It checks that the execution
 * is named after the run, that the run id derives from its input, that the spec it carries is the
 * one its hash names, and (in the repository) that the run holds the lock of an environment whose
 * recorded desired spec has that hash, with the same plan. Then it opens the first phase to run and
 * returns where the state machine goes next plus the outputs the skipped phases hand on.
 */
import type { Repository } from '../adapters/dynamodb/repository.js';
import { ValidationError } from '../domain/errors.js';
import { executionNameOf } from '../domain/execution-name.js';
import { PHASES, type PhaseName } from '../domain/model.js';
import { mergedOutputs } from '../domain/phase-plan.js';
import { runIdMatches } from '../domain/run-id.js';
import { specHash } from '../domain/spec-hash.js';
import { AcquireLockInput, outputsKey, parseInput } from '../domain/workflow-events.js';
import { lambdaRepository } from '../shared/lambda-repository.js';
import { lazyLambdaHandler } from '../shared/middleware.js';
import { lambdaObservability, type Observability } from '../shared/observability.js';

export interface AcquireLockDeps extends Observability {
  readonly repository: Repository;
}

export interface AcquireLockOutput {
  readonly runId: string;
  readonly acquiredAt: string;
  readonly startAt: PhaseName;
  /**
   * `provision:<phase>`, `teardown:<phase>` or `teardown-alone:argocd-bootstrap` (a tenant's
   * teardown): the state machine's one routing Choice reads it.
   */
  readonly route: string;
  /** Every outputs-so-far slot the builds read: a skipped phase's handed-on outputs, else `{}`. */
  readonly [phaseOutputs: string]: unknown;
}

export const makeAcquireLock =
  (deps: AcquireLockDeps) =>
  async (event: unknown): Promise<AcquireLockOutput> => {
    const input = parseInput(AcquireLockInput, event, 'AcquireLock input');
    // The execution name is the dedup key of runs (the run id, or a push's environment and commit):
    // it must be the one this input derives.
    if (input.executionName !== executionNameOf(input) || !runIdMatches(input.runId, input)) {
      throw new ValidationError(
        `execution ${input.executionName} is not run ${input.organization}/${input.environment} #${input.seq} ${input.specHash.slice(0, 8)}`,
      );
    }
    if (specHash(input.spec) !== input.specHash) {
      throw new ValidationError(`the spec of run ${input.runId} does not hash to ${input.specHash}`);
    }
    const { run, startAt, environment } = await deps.repository.verifyRunStart({
      organization: input.organization,
      environment: input.environment,
      runId: input.runId,
      seq: input.seq,
      trigger: input.trigger,
      specHash: input.specHash,
      skipPhases: input.skipPhases,
    });
    deps.logger?.info('run verified', { runId: run.runId, trigger: run.trigger, startAt });
    deps.metrics?.addMetric('RunStarted', 'Count', 1);
    const direction = run.trigger === 'teardown' ? 'teardown' : 'provision';
    // A teardown whose later phases are all SKIPPED (a shared cluster's tenant) runs its first alone.
    const later = run.phaseOrder.slice(run.phaseOrder.indexOf(startAt) + 1);
    const alone =
      direction === 'teardown' &&
      later.length > 0 &&
      later.every((phase) => run.phases[phase].status === 'SKIPPED');
    const slots = Object.fromEntries(
      PHASES.map((phase) => [outputsKey(phase), { outputs: { ...(run.phases[phase].outputs ?? {}) } }]),
    );
    return {
      ...slots,
      // A teardown undoes what the last successful phases built: it is handed all their outputs.
      handedOn: { outputs: mergedOutputs(environment.successes) },
      runId: run.runId,
      acquiredAt: run.startedAt,
      startAt,
      route: alone ? `teardown-alone:${startAt}` : `${direction}:${startAt}`,
    };
  };

export const handler = lazyLambdaHandler(() =>
  makeAcquireLock({ repository: lambdaRepository(), ...lambdaObservability }),
);
