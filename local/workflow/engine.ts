/**
 * The local Step Functions: runs executions of the synthesized state machine with
 * {@link executeWorkflow} in the background and enforces StartExecution's name rules for a
 * Standard workflow:
 *
 * - a new name starts a new execution;
 * - the same name with the same input while that execution runs answers the same execution
 *   (a retried StartExecution is harmless);
 * - the same name otherwise — another input, or an execution that has ended — is refused with
 *   `ExecutionAlreadyExists`, the AWS SDK's own error, so code written for AWS (the run
 *   starter) maps it exactly as it does there. A name is never reused, not even after a restart:
 *   names, inputs and end states are kept in `executions.jsonl`.
 *
 * An execution that was RUNNING when the process died cannot continue (its interpreter state
 * lived in that process); after a restart it is reported by `interruptedAtStartup()` until
 * local mode's recovery has dealt with its run and calls `acknowledgeInterrupted(name)`.
 */
import { randomUUID } from 'node:crypto';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidExecutionInput,
  InvalidName,
} from '@aws-sdk/client-sfn';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { type ExecutionEvent, executeWorkflow, type WorkflowTaskHandlers } from './execute.js';
import {
  type EndedEntry,
  type EndedStatus,
  type JournalEntry,
  openExecutionJournal,
} from './execution-journal.js';

/** The local state machine's ARN: the fake account and region the definition is resolved with. */
export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:slipway-local';

export type ExecutionStatus = 'RUNNING' | EndedStatus;

/** What DescribeExecution tells, plus the events of an execution run by this process. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  /** The input exactly as StartExecution received it (JSON text). */
  readonly input: string;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** JSON text of the output of a SUCCEEDED execution run by this process. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** The interpreter's events; empty for executions known only from the journal. */
  readonly events: readonly ExecutionEvent[];
}

export interface StartExecutionRequest {
  /** @default a random UUID, as Step Functions generates one */
  readonly name?: string;
  /** JSON text of an object. @default '{}' */
  readonly input?: string;
}

export interface StartExecutionResult {
  readonly executionArn: string;
  readonly startDate: Date;
}

export interface InterruptedExecution {
  readonly name: string;
  readonly executionArn: string;
  /** The execution input (the workflow input object). */
  readonly input: Record<string, unknown>;
  readonly startDate: Date;
}

export interface LocalWorkflowEngineOptions {
  readonly definition: StateMachineDefinition;
  readonly handlers: WorkflowTaskHandlers;
  /** `executions.jsonl` is kept here. */
  readonly dataDir: string;
  /** @default {@link LOCAL_STATE_MACHINE_ARN} */
  readonly stateMachineArn?: string;
  /** Called once per execution of this process when it has ended (and its end is recorded). */
  readonly onEnded?: (execution: ExecutionDescription) => void | Promise<void>;
  /** Where errors of the background bookkeeping go (journal append, onEnded). @default console.error */
  readonly onError?: (error: unknown, execution: ExecutionDescription) => void;
  readonly now?: () => Date;
}

export interface LocalWorkflowEngine {
  readonly stateMachineArn: string;
  /** Starts (or, for a retried start, finds) an execution; resolves once it is recorded, not when it ends. */
  startExecution(request: StartExecutionRequest): Promise<StartExecutionResult>;
  /** Throws `ExecutionDoesNotExist` for an unknown ARN. */
  describeExecution(executionArn: string): ExecutionDescription;
  /** Resolves with the execution's description once it has ended (and its end is recorded). */
  waitFor(executionArn: string): Promise<ExecutionDescription>;
  /** Executions of this process still running. */
  running(): ExecutionDescription[];
  /** Resolves once no execution of this process is running. */
  idle(): Promise<void>;
  /** Executions that were RUNNING when the previous process died and are not acknowledged yet. */
  interruptedAtStartup(): InterruptedExecution[];
  /** Records that an interrupted execution's run was dealt with: it is not reported again. */
  acknowledgeInterrupted(name: string): Promise<void>;
}

interface Tracked {
  description: ExecutionDescription;
  /** Resolves when the start is durably recorded. */
  recorded: Promise<void>;
  /** Resolves when the execution has ended and its end is recorded (never rejects). */
  ended?: Promise<void>;
}

// Step Functions' name rules: 1–80 characters, no whitespace, control characters or these.
const FORBIDDEN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]|\p{Cc}/u;

export async function openLocalWorkflowEngine(
  options: LocalWorkflowEngineOptions,
): Promise<LocalWorkflowEngine> {
  const stateMachineArn = options.stateMachineArn ?? LOCAL_STATE_MACHINE_ARN;
  const now = options.now ?? (() => new Date());
  const onError =
    options.onError ??
    ((error: unknown, execution: ExecutionDescription) =>
      console.error(`local workflow engine: execution ${execution.name}:`, error));
  const { journal, entries } = await openExecutionJournal(options.dataDir);
  const byName = new Map<string, Tracked>();
  const byArn = new Map<string, Tracked>();
  const interrupted = new Map<string, InterruptedExecution>();
  restore(entries, stateMachineArn, byName, byArn, interrupted);

  const executionArnFor = (name: string) =>
    `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

  const find = (executionArn: string): Tracked => {
    const tracked = byArn.get(executionArn);
    if (!tracked) {
      throw new ExecutionDoesNotExist({
        message: `Execution Does Not Exist: '${executionArn}'`,
        $metadata: {},
      });
    }
    return tracked;
  };

  const run = (tracked: Tracked, input: Record<string, unknown>): Promise<void> =>
    (async () => {
      const { name } = tracked.description;
      let end: Pick<ExecutionDescription, 'status' | 'output' | 'error' | 'cause' | 'events'>;
      try {
        const execution = await executeWorkflow(options.definition, input, options.handlers, {
          executionName: name,
        });
        // The interpreter reports a run past the definition's TimeoutSeconds as a failure with an
        // ExecutionTimeout event; Step Functions calls that TIMED_OUT (States.Timeout).
        const timedOut = execution.events.some((event) => event.type === 'ExecutionTimeout');
        end = {
          status: timedOut ? 'TIMED_OUT' : execution.status,
          events: execution.events,
          ...(timedOut
            ? { error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds.' }
            : {}),
          ...(execution.output !== undefined ? { output: JSON.stringify(execution.output) } : {}),
          ...(execution.error ? { error: execution.error.name, cause: execution.error.cause } : {}),
        };
      } catch (error) {
        // The interpreter refused to run (an unmapped Task state, an invalid definition).
        end = { status: 'FAILED', events: [], error: 'States.Runtime', cause: String(error) };
      }
      const stopDate = now();
      tracked.description = { ...tracked.description, ...end, stopDate };
      const entry: EndedEntry = {
        event: 'ended',
        name,
        status: end.status as EndedStatus,
        stopDate: stopDate.toISOString(),
        ...(end.error !== undefined ? { error: end.error } : {}),
        ...(end.cause !== undefined ? { cause: end.cause } : {}),
      };
      await journal.append(entry).catch((error: unknown) => onError(error, tracked.description));
      try {
        await options.onEnded?.(tracked.description);
      } catch (error) {
        onError(error, tracked.description);
      }
    })();

  return {
    stateMachineArn,

    async startExecution(request) {
      const name = request.name ?? randomUUID();
      const text = request.input ?? '{}';
      if (name.length < 1 || name.length > 80 || FORBIDDEN_NAME.test(name)) {
        throw new InvalidName({ message: `Invalid Name: '${name}'`, $metadata: {} });
      }
      const input = parseInput(text);
      const existing = byName.get(name);
      if (existing) {
        const { description } = existing;
        if (description.status === 'RUNNING' && description.input === text) {
          await existing.recorded;
          return { executionArn: description.executionArn, startDate: description.startDate };
        }
        throw new ExecutionAlreadyExists({
          message: `Execution Already Exists: '${description.executionArn}'`,
          $metadata: {},
        });
      }
      // Claimed before the first await, so a concurrent duplicate sees this execution.
      const startDate = now();
      const executionArn = executionArnFor(name);
      const tracked: Tracked = {
        description: {
          executionArn,
          stateMachineArn,
          name,
          status: 'RUNNING',
          input: text,
          startDate,
          events: [],
        },
        recorded: journal.append({
          event: 'started',
          name,
          executionArn,
          input: text,
          startDate: startDate.toISOString(),
        }),
      };
      byName.set(name, tracked);
      byArn.set(executionArn, tracked);
      try {
        await tracked.recorded;
      } catch (error) {
        // Not recorded, not started: the name stays free, as when StartExecution fails.
        byName.delete(name);
        byArn.delete(executionArn);
        throw error;
      }
      // Started on the next turn of the event loop: StartExecution answers before the interpreter
      // does its (synchronous) definition validation and first steps.
      tracked.ended = new Promise((resolve) => setImmediate(resolve)).then(() => run(tracked, input));
      return { executionArn, startDate };
    },

    describeExecution: (executionArn) => find(executionArn).description,

    async waitFor(executionArn) {
      const tracked = find(executionArn);
      await tracked.recorded;
      await tracked.ended;
      return tracked.description;
    },

    running: () =>
      [...byName.values()]
        .filter((tracked) => tracked.description.status === 'RUNNING')
        .map((tracked) => tracked.description),

    async idle() {
      for (;;) {
        const pending = [...byName.values()]
          .filter((tracked) => tracked.description.status === 'RUNNING')
          .map((tracked) => tracked.recorded.then(() => tracked.ended).catch(() => undefined));
        if (pending.length === 0) return;
        await Promise.all(pending);
      }
    },

    interruptedAtStartup: () => [...interrupted.values()],

    async acknowledgeInterrupted(name) {
      const execution = interrupted.get(name);
      if (!execution) throw new Error(`execution ${name} is not an interrupted execution awaiting recovery`);
      await journal.append({
        event: 'ended',
        name,
        status: 'ABORTED',
        stopDate: now().toISOString(),
        error: INTERRUPTED.error,
        cause: INTERRUPTED.cause,
      });
      interrupted.delete(name);
    },
  };
}

const INTERRUPTED = {
  error: 'Local.ProcessEnded',
  cause: 'The local process stopped while this execution was running; it cannot continue.',
};

/** Rebuilds what the journal knows: used names, end states, and executions that never ended. */
function restore(
  entries: readonly JournalEntry[],
  stateMachineArn: string,
  byName: Map<string, Tracked>,
  byArn: Map<string, Tracked>,
  interrupted: Map<string, InterruptedExecution>,
): void {
  const recorded = Promise.resolve();
  for (const entry of entries) {
    if (entry.event === 'started') {
      const tracked: Tracked = {
        description: {
          executionArn: entry.executionArn,
          stateMachineArn,
          name: entry.name,
          status: 'RUNNING',
          input: entry.input,
          startDate: new Date(entry.startDate),
          events: [],
        },
        recorded,
        ended: recorded,
      };
      byName.set(entry.name, tracked);
      byArn.set(entry.executionArn, tracked);
      continue;
    }
    const tracked = byName.get(entry.name);
    if (!tracked) continue;
    tracked.description = {
      ...tracked.description,
      status: entry.status,
      stopDate: new Date(entry.stopDate),
      ...(entry.error !== undefined ? { error: entry.error } : {}),
      ...(entry.cause !== undefined ? { cause: entry.cause } : {}),
    };
  }
  for (const tracked of byName.values()) {
    const { description } = tracked;
    if (description.status !== 'RUNNING') continue;
    // Its process is gone: the execution ended with it. Until acknowledged it stays reported.
    tracked.description = { ...description, status: 'ABORTED', ...INTERRUPTED };
    interrupted.set(description.name, {
      name: description.name,
      executionArn: description.executionArn,
      input: JSON.parse(description.input) as Record<string, unknown>,
      startDate: description.startDate,
    });
  }
}

function parseInput(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidExecutionInput({
      message: 'Invalid State Machine Execution Input: not JSON',
      $metadata: {},
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidExecutionInput({
      message: 'Invalid State Machine Execution Input: the local engine runs object inputs only',
      $metadata: {},
    });
  }
  return value as Record<string, unknown>;
}
