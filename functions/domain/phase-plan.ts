/**
 * The phase plan: which phases a run executes. Each phase has an input fingerprint — a hash of the
 * spec fields it consumes and of the outputs of the phases before it. A run executes a phase when
 * its fingerprint differs from the one recorded by the last run that succeeded at it, or when an
 * earlier phase runs (its outputs may change); every other phase is SKIPPED with the reason and
 * hands on the outputs that the run which last succeeded at it recorded. Because a phase that runs
 * makes every later phase run, the executed phases are always a suffix of the run's order: a plan
 * is "start at phase X", which is what the state machine's one routing Choice needs.
 *
 * Teardown runs the phases in reverse and undoes only what exists: a cluster phase that never
 * succeeded has nothing to undo, while `terraform destroy` always runs (a failed apply can leave
 * resources behind, and destroying an empty state is a no-op). Pure: no I/O.
 */
import { createHash } from 'node:crypto';
import type { PhaseName, RunTrigger } from './model.js';
import type { PhaseRecord } from './run.js';
import { DEFAULT_LOG_RETENTION_DAYS } from './spec/logs.js';
import { canonicalJson } from './spec-hash.js';
import { phaseOrderFor } from './transitions.js';

/** What the last run that succeeded at a phase left: kept on the environment item. */
export interface PhaseSuccess {
  readonly fingerprint: string;
  readonly runId: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly at: string;
}

export type PhaseSuccesses = Readonly<Partial<Record<PhaseName, PhaseSuccess>>>;

export interface PlannedPhase {
  readonly phase: PhaseName;
  readonly action: 'run' | 'skip';
  /** Hash of the spec fields this phase consumes (its own part of the fingerprint). */
  readonly inputs: string;
  /** Full fingerprint, known at plan time when every earlier phase is skipped. */
  readonly fingerprint?: string;
  readonly reason: string;
  /** For a skipped phase: the run whose outputs are handed on, and those outputs. */
  readonly handedOn?: { readonly runId: string; readonly outputs: Readonly<Record<string, string>> };
}

export interface PhasePlan {
  readonly direction: 'provision' | 'teardown';
  readonly order: readonly PhaseName[];
  /** The first phase the run executes; undefined when there is nothing to do. */
  readonly startAt: PhaseName | undefined;
  readonly phases: Readonly<Record<PhaseName, PlannedPhase>>;
}

/** The spec fields each provisioning phase consumes (DESIGN: terraform ← region, network …). */
function specPart(phase: PhaseName, spec: Readonly<Record<string, unknown>>, commit: string): unknown {
  // The ingress domain feeds Terraform (load balancer, certificates) and the ArgoCD phase (the
  // Ingress admission policy, the namespaces' policies); absent, it leaves the fingerprints of
  // specs written before it unchanged.
  const ingress = spec.ingress === undefined ? {} : { ingress: spec.ingress };
  switch (phase) {
    case 'terraform':
      return {
        tier: spec.tier,
        region: spec.region,
        network: spec.network,
        cluster: spec.cluster,
        ...ingress,
        ...logsPart(spec),
      };
    case 'ansible':
      return { kubernetesVersion: spec.kubernetesVersion, ciliumVersion: spec.ciliumVersion };
    case 'argocd-bootstrap':
      // kubernetesVersion too: the tenant renderer writes it into the namespaces' Pod Security labels
      // and picks the admission policies' API by it. A dedicated environment's version change re-runs
      // ansible (and so this phase) anyway; a shared cluster's tenant runs no ansible, and only this
      // makes its ArgoCD part re-run after the cluster's upgrade.
      return {
        tier: spec.tier,
        kubernetesVersion: spec.kubernetesVersion,
        namespaces: spec.namespaces,
        gitops: spec.gitops,
        commit,
        ...ingress,
      };
  }
}

/**
 * Terraform creates the log groups with the spec's retention (the default when the spec names
 * none). Always part of the fingerprint: an environment provisioned before the log groups existed
 * has a recorded fingerprint without it, so its next run applies Terraform once and creates them.
 */
function logsPart(spec: Readonly<Record<string, unknown>>): { logRetentionDays: number } {
  const logs = spec.logs;
  const days =
    typeof logs === 'object' && logs !== null && 'retentionDays' in logs ? logs.retentionDays : undefined;
  return { logRetentionDays: typeof days === 'number' ? days : DEFAULT_LOG_RETENTION_DAYS };
}

function sha256(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** The hash of the spec fields a phase consumes. */
export function phaseInputs(phase: PhaseName, spec: Readonly<Record<string, unknown>>, commit = ''): string {
  return sha256({ phase, spec: specPart(phase, spec, commit) });
}

/** The fingerprint of a phase: its own inputs and the merged outputs of the phases before it. */
export function phaseFingerprint(
  phase: PhaseName,
  inputs: string,
  upstreamOutputs: Readonly<Record<string, string>>,
): string {
  return sha256({ phase, inputs, upstream: upstreamOutputs });
}

export interface PlanRequest {
  readonly trigger: RunTrigger;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly commit?: string;
  readonly successes: PhaseSuccesses;
  /** Phases that never run on this placement, with why (a shared cluster's tenants). */
  readonly notApplicable?: Readonly<Partial<Record<PhaseName, string>>>;
}

/** Plans a run. See the module comment for the rules. */
export function planRun(request: PlanRequest): PhasePlan {
  const order = phaseOrderFor(request.trigger);
  return request.trigger === 'teardown' ? planTeardown(order, request) : planProvision(order, request);
}

function planProvision(order: readonly PhaseName[], request: PlanRequest): PhasePlan {
  const phases = {} as Record<PhaseName, PlannedPhase>;
  let upstream: Record<string, string> = {};
  let startAt: PhaseName | undefined;
  let previous: PhaseName | undefined;
  for (const phase of order) {
    const inputs = phaseInputs(phase, request.spec, request.commit ?? '');
    const recorded = request.successes[phase];
    const notApplicable = request.notApplicable?.[phase];
    const before = previous;
    previous = phase;
    if (startAt !== undefined) {
      // The phase before it runs, so the outputs this one consumes may change.
      phases[phase] = { phase, action: 'run', inputs, reason: `runs after ${before ?? startAt}` };
      continue;
    }
    const fingerprint = phaseFingerprint(phase, inputs, upstream);
    if (notApplicable !== undefined && recorded) {
      phases[phase] = skipped(phase, inputs, fingerprint, notApplicable, recorded);
    } else if (recorded?.fingerprint === fingerprint) {
      phases[phase] = skipped(
        phase,
        inputs,
        fingerprint,
        `inputs unchanged since run ${recorded.runId}`,
        recorded,
      );
    } else {
      startAt = phase;
      phases[phase] = {
        phase,
        action: 'run',
        inputs,
        fingerprint,
        reason: recorded ? 'inputs changed' : 'never succeeded with these inputs',
      };
      continue;
    }
    upstream = { ...upstream, ...recorded.outputs };
  }
  return { direction: 'provision', order, startAt, phases };
}

function skipped(
  phase: PhaseName,
  inputs: string,
  fingerprint: string,
  reason: string,
  recorded: PhaseSuccess,
): PlannedPhase {
  return {
    phase,
    action: 'skip',
    inputs,
    fingerprint,
    reason,
    handedOn: { runId: recorded.runId, outputs: recorded.outputs },
  };
}

function planTeardown(order: readonly PhaseName[], request: PlanRequest): PhasePlan {
  const phases = {} as Record<PhaseName, PlannedPhase>;
  let startAt: PhaseName | undefined;
  const handOn = mergedOutputs(request.successes);
  for (const phase of order) {
    const inputs = phaseInputs(phase, request.spec, request.commit ?? '');
    const undo =
      startAt !== undefined ||
      phase === 'terraform' ||
      request.successes[phase] !== undefined ||
      // Argo CD may have applied part of the tenants before failing: undo it while a cluster exists.
      (phase === 'argocd-bootstrap' && request.successes.ansible !== undefined);
    if (undo && request.notApplicable?.[phase] === undefined) {
      startAt ??= phase;
      phases[phase] = { phase, action: 'run', inputs, reason: 'undoes what the phase provisioned' };
    } else {
      phases[phase] = {
        phase,
        action: 'skip',
        inputs,
        reason: request.notApplicable?.[phase] ?? 'nothing to undo: the phase never succeeded',
        handedOn: { runId: '', outputs: handOn },
      };
    }
  }
  return { direction: 'teardown', order, startAt, phases };
}

/** A plan that runs every phase (a first provisioning, or a teardown of everything). */
export function planEveryPhase(
  trigger: RunTrigger,
  spec: Readonly<Record<string, unknown>>,
  commit = '',
): PhasePlan {
  const order = phaseOrderFor(trigger);
  const phases = Object.fromEntries(
    order.map((phase) => [
      phase,
      { phase, action: 'run', inputs: phaseInputs(phase, spec, commit), reason: 'every phase runs' },
    ]),
  ) as Record<PhaseName, PlannedPhase>;
  return { direction: trigger === 'teardown' ? 'teardown' : 'provision', order, startAt: order[0], phases };
}

/** The outputs of every recorded success, merged in provisioning order (a later phase wins). */
export function mergedOutputs(successes: PhaseSuccesses): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const phase of phaseOrderFor('api')) Object.assign(merged, successes[phase]?.outputs);
  return merged;
}

/** The phases a plan skips, in order. */
export function skippedPhases(plan: PhasePlan): PhaseName[] {
  return plan.order.filter((phase) => plan.phases[phase].action === 'skip');
}

/**
 * The successes a finished run leaves behind, from its phase records: every phase it ran to
 * SUCCEEDED gets its fingerprint (inputs + the outputs of the phases before it in this run, handed
 * on ones included). A teardown undoes: the phases it ran to SUCCEEDED are forgotten (`null`).
 * A phase that started and did not succeed (FAILED, or still RUNNING when the run was interrupted)
 * is forgotten too, whatever the trigger: a half-applied `terraform apply`, a node reset stopped
 * part-way or a failed `terraform destroy` leaves the infrastructure matching no earlier success,
 * so a later plan must run that phase again rather than skip it as unchanged.
 */
export function successesOfRun(run: {
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly phaseOrder: readonly PhaseName[];
  readonly phases: Readonly<Record<PhaseName, PhaseRecord>>;
  readonly inputs?: Readonly<Partial<Record<PhaseName, string>>>;
}): Partial<Record<PhaseName, PhaseSuccess | null>> {
  const result: Partial<Record<PhaseName, PhaseSuccess | null>> = {};
  let upstream: Record<string, string> = {};
  for (const phase of run.phaseOrder) {
    const record = run.phases[phase];
    const inputs = run.inputs?.[phase];
    if (record.status === 'FAILED' || record.status === 'RUNNING') {
      result[phase] = null;
    } else if (record.status === 'SUCCEEDED') {
      if (run.trigger === 'teardown') {
        result[phase] = null;
      } else if (inputs !== undefined) {
        result[phase] = {
          fingerprint: phaseFingerprint(phase, inputs, upstream),
          runId: run.runId,
          outputs: { ...record.outputs },
          at: record.endedAt ?? '',
        };
      }
    }
    upstream = { ...upstream, ...record.outputs };
  }
  return result;
}
