import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { PHASES, type PhaseName } from '../../functions/domain/model.js';
import { phaseStateId, WORKFLOW_STATES } from '../../infra/constructs/workflow-states.js';

type Json = Parameters<StateMachine['run']>[0];
/** A Task state's local implementation: state input in, task result out (both JSON values). */
export type StateHandler = (input: unknown) => Promise<unknown>;

/** The in-process implementations of every Task state of the workflow. */
export interface WorkflowTaskHandlers {
  acquireLock: StateHandler;
  recordPhase: StateHandler;
  completeRun: StateHandler;
  recordFailure: StateHandler;
  publishAlert: StateHandler;
  /** Runs one phase's build: receives StartBuild's Parameters, returns `{ Build: {...} }` or throws. */
  build: (phase: PhaseName, parameters: unknown) => Promise<unknown>;
}

export interface ExecutionEvent {
  type: string;
  state?: string;
  error?: string;
  cause?: unknown;
  timestamp: number;
}

export interface WorkflowExecution {
  status: 'SUCCEEDED' | 'FAILED';
  output?: Json;
  /** The execution's error as Step Functions reports it (`Error` and `Cause` of ExecutionFailed). */
  error?: { name: string; cause: string };
  events: ExecutionEvent[];
  /** States entered, as Step Functions bills them (each entry is one state transition). */
  transitions: number;
  retries: number;
}

/** Maps each Task state name of the synthesized definition to its local handler. */
export function localTaskHandlers(handlers: WorkflowTaskHandlers): Record<string, StateHandler> {
  const map: Record<string, StateHandler> = {
    [WORKFLOW_STATES.acquireLock]: handlers.acquireLock,
    [WORKFLOW_STATES.completeRun]: handlers.completeRun,
    [WORKFLOW_STATES.completeTeardown]: handlers.completeRun,
    [WORKFLOW_STATES.completeTenantTeardown]: handlers.completeRun,
    [WORKFLOW_STATES.teardownTenant]: (parameters) => handlers.build('argocd-bootstrap', parameters),
    [WORKFLOW_STATES.recordFailure]: handlers.recordFailure,
    [WORKFLOW_STATES.publishAlert]: handlers.publishAlert,
  };
  for (const phase of PHASES) {
    map[phaseStateId('Record', phase)] = handlers.recordPhase;
    map[phaseStateId('RecordTeardown', phase)] = handlers.recordPhase;
    // A build and a teardown build of a phase run on the same project; the teardown one names its
    // buildspec in BuildspecOverride, which the build handler honours.
    map[phaseStateId('Build', phase)] = (parameters) => handlers.build(phase, parameters);
    map[phaseStateId('Teardown', phase)] = (parameters) => handlers.build(phase, parameters);
  }
  return map;
}

const machines = new WeakMap<StateMachineDefinition, StateMachine>();

/**
 * The interpreter of a definition, built (and its ASL validated, which costs far more than a short
 * run) once per definition object. Sharing it between executions, concurrent ones included, is
 * safe: `run` keeps everything of an execution (input, context, events, abort signal) in its own
 * objects and only reads the definition and the validation options from the instance.
 */
export function stateMachineFor(definition: StateMachineDefinition): StateMachine {
  let machine = machines.get(definition);
  if (!machine) {
    machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
    machines.set(definition, machine);
  }
  return machine;
}

/**
 * Executes the synthesized definition with aws-local-stepfunctions. Every Task state must have a
 * local handler: a state without one would call real AWS, so it is refused before the run starts.
 */
export interface ExecuteOptions {
  /**
   * The execution's name (`$$.Execution.Name`), which Step Functions takes from StartExecution.
   * @default the input's `runId`, as the run starter names executions
   */
  readonly executionName?: string;
}

export async function executeWorkflow(
  definition: StateMachineDefinition,
  input: Record<string, unknown>,
  handlers: WorkflowTaskHandlers,
  options: ExecuteOptions = {},
): Promise<WorkflowExecution> {
  const localHandlers = localTaskHandlers(handlers);
  const states: Record<string, { Type?: string }> = definition.States;
  const unmapped = Object.entries(states)
    .filter(([name, state]) => state.Type === 'Task' && !localHandlers[name])
    .map(([name]) => name);
  if (unmapped.length > 0) throw new Error(`Task states without a local handler: ${unmapped.join(', ')}`);

  const noWait = Object.fromEntries(Object.keys(localHandlers).map((name) => [name, 0]));
  // Handlers return plain JSON data (parsed events, SDK-free records), which is what the interpreter passes on.
  const asInterpreterHandlers = Object.fromEntries(
    Object.entries(localHandlers).map(([name, handle]) => [
      name,
      (input: Json) => handle(input) as Promise<Json>,
    ]),
  );
  const machine = stateMachineFor(definition);
  // A round trip through JSON: the execution sees exactly what StartExecution would have carried.
  const name = options.executionName ?? String(input.runId ?? 'local-execution');
  const execution = machine.run(JSON.parse(JSON.stringify(input)) as Json, {
    overrides: { taskResourceLocalHandlers: asInterpreterHandlers, retryIntervalOverrides: noWait },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:123456789012:execution:slipway-local:${name}`,
        Name: name,
        StartTime: new Date().toISOString(),
      },
    },
  });
  const events: ExecutionEvent[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      const state = 'state' in event ? event.state.name : undefined;
      const error = 'Error' in event ? { error: event.Error, cause: event.Cause } : {};
      events.push({ type: event.type, state, timestamp: event.timestamp, ...error });
    }
  })();
  let outcome: Pick<WorkflowExecution, 'status' | 'output'>;
  try {
    outcome = { status: 'SUCCEEDED', output: await execution.result };
  } catch {
    outcome = { status: 'FAILED' };
  }
  await collecting;
  const failed = events.find((event) => event.type === 'ExecutionFailed');
  return {
    ...outcome,
    ...(failed ? { error: { name: failed.error ?? 'Unknown', cause: stringify(failed.cause) } } : {}),
    events,
    transitions: events.filter((event) => event.type === 'StateEntered').length,
    retries: events.filter((event) => event.type === 'StateRetried').length,
  };
}

function stringify(cause: unknown): string {
  return typeof cause === 'string' ? cause : JSON.stringify(cause ?? '');
}
