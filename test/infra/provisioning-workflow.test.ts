import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, definitionFromTemplate } from '../../local/workflow/definition.js';
import { slipwayTemplate } from '../support/synth.js';

type State = {
  Type: string;
  Next?: string;
  Resource?: string;
  Retry?: Array<{ ErrorEquals: string[] }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
};

describe('ProvisioningWorkflow', () => {
  let template: Awaited<ReturnType<typeof slipwayTemplate>>;
  let definition: StateMachineDefinition;
  let states: Record<string, State>;
  beforeAll(async () => {
    template = await slipwayTemplate();
    definition = definitionFromTemplate(template.toJSON() as CfnTemplate);
    states = definition.States as Record<string, State>;
  });

  it('is a Standard, JSONPath state machine with a timeout, X-Ray tracing and logging', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    // JSONPath is the default; JSONata (which local interpreters ignore) must never be switched on.
    expect(JSON.stringify(definition)).not.toContain('JSONata');
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
  });

  /** The chain of Next from a state, until a state without Next. */
  function chainFrom(start: string | undefined): string[] {
    const path: string[] = [];
    let name = start;
    while (name && path.length < 50) {
      path.push(name);
      name = states[name]?.Next;
    }
    return path;
  }

  it('routes the run by its phase plan: one Choice into the provisioning or the teardown chain', () => {
    expect(chainFrom(definition.StartAt)).toEqual(['AcquireLock', 'RouteRun']);
    const route = states.RouteRun as unknown as {
      Choices: Array<{ Variable: string; StringEquals: string; Next: string }>;
      Default: string;
    };
    expect(route.Choices.map((choice) => [choice.Variable, choice.StringEquals, choice.Next])).toEqual([
      ['$.recorded.route', 'provision:terraform', 'BuildTerraform'],
      ['$.recorded.route', 'provision:ansible', 'BuildAnsible'],
      ['$.recorded.route', 'provision:argocd-bootstrap', 'BuildArgocdBootstrap'],
      ['$.recorded.route', 'teardown:argocd-bootstrap', 'TeardownArgocdBootstrap'],
      ['$.recorded.route', 'teardown:ansible', 'TeardownAnsible'],
      ['$.recorded.route', 'teardown:terraform', 'TeardownTerraform'],
      // A shared cluster's tenant: the ArgoCD teardown alone, then CompleteTenantTeardown.
      ['$.recorded.route', 'teardown-alone:argocd-bootstrap', 'TeardownTenantArgocdBootstrap'],
    ]);
    expect(chainFrom('TeardownTenantArgocdBootstrap')).toEqual([
      'TeardownTenantArgocdBootstrap',
      'CompleteTenantTeardown',
      'RunSucceeded',
    ]);
    expect(states[route.Default]?.Type).toBe('Fail');
  });

  it("README's workflow diagram names exactly the synthesized states, and RouteRun's routes", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const diagram = /subgraph sfn\[[^\n]*\n([\s\S]*?)\n {2}end\n/.exec(readme)?.[1] ?? '';
    // A node's label starts with its state name: `id["Name<br/>…"]` or `id{"Name…"}`.
    const drawn = new Set([...diagram.matchAll(/[[{]"([A-Za-z]+)/g)].map((match) => match[1]));
    const failed = Object.keys(states).filter((name) => /^Failed[A-Z]/.test(name));
    const named = Object.keys(states).filter((name) => !failed.includes(name));
    // The three Failed<Phase> passes are drawn as one node, with RecordFailure → … → RunFailed.
    expect(diagram).toContain(
      'Failed&lt;Phase&gt; → RecordFailure<br/>→ RunAlreadySucceeded? → PublishPhaseFailedAlert → RunFailed',
    );
    expect(failed).toHaveLength(3);
    const inFailureNode = ['RecordFailure', 'RunAlreadySucceeded', 'PublishPhaseFailedAlert', 'RunFailed'];
    expect([...drawn].sort()).toEqual(
      [...named.filter((name) => !inFailureNode.includes(name)), 'Failed'].sort(),
    );
    const routes = [...diagram.matchAll(/route -- "([a-z-]+:[a-z-]+)/g)].map((match) => match[1]);
    const choices = (states.RouteRun as unknown as { Choices: Array<{ StringEquals: string }> }).Choices;
    expect(routes).toEqual(choices.map((choice) => choice.StringEquals));
  });

  it('provisions terraform → ansible → argocd-bootstrap → complete, recording after each build', () => {
    expect(chainFrom('BuildTerraform')).toEqual([
      'BuildTerraform',
      'RecordTerraform',
      'BuildAnsible',
      'RecordAnsible',
      'BuildArgocdBootstrap',
      'CompleteRun',
      'RunSucceeded',
    ]);
    for (const build of ['BuildTerraform', 'BuildAnsible', 'BuildArgocdBootstrap']) {
      expect(states[build]?.Resource).toBe('arn:aws:states:::codebuild:startBuild.sync');
    }
  });

  it('tears down in reverse on the same projects, each with its teardown buildspec', () => {
    expect(chainFrom('TeardownArgocdBootstrap')).toEqual([
      'TeardownArgocdBootstrap',
      'RecordTeardownArgocdBootstrap',
      'TeardownAnsible',
      'RecordTeardownAnsible',
      'TeardownTerraform',
      'CompleteTeardown',
      'RunSucceeded',
    ]);
    for (const phase of ['Terraform', 'Ansible', 'ArgocdBootstrap']) {
      const teardown = states[`Teardown${phase}`] as unknown as {
        Resource: string;
        Parameters: { ProjectName: string; BuildspecOverride: string };
        Retry: unknown[];
        TimeoutSeconds: number;
      };
      const build = states[`Build${phase}`] as unknown as {
        Parameters: { ProjectName: string };
        TimeoutSeconds: number;
      };
      expect(teardown.Resource).toBe('arn:aws:states:::codebuild:startBuild.sync');
      expect(teardown.Parameters.ProjectName).toBe(build.Parameters.ProjectName);
      expect(teardown.Parameters.BuildspecOverride).toMatch(/^buildspecs\/teardown\/[a-z-]+\.yml$/);
      expect(teardown.TimeoutSeconds).toBe(build.TimeoutSeconds);
      expect(teardown.Retry).toHaveLength(1);
    }
  });

  it('catches every failure of a phase into the failure path: record, alert, Fail', () => {
    for (const [stateName, state] of Object.entries(states)) {
      if (state.Type !== 'Task' || ['RecordFailure', 'PublishPhaseFailedAlert'].includes(stateName)) continue;
      expect(state.Catch?.[0]?.ErrorEquals, stateName).toEqual(['States.ALL']);
    }
    expect(states.BuildAnsible?.Catch?.[0]?.Next).toBe('FailedAnsible');
    expect(states.FailedAnsible?.Next).toBe('RecordFailure');
    expect(states.RecordFailure?.Next).toBe('RunAlreadySucceeded');
    const outcome = states.RunAlreadySucceeded as unknown as {
      Choices: Array<{ Next: string }>;
      Default: string;
    };
    expect(outcome.Choices.map((choice) => choice.Next)).toEqual(['RunSucceeded']);
    expect(outcome.Default).toBe('PublishPhaseFailedAlert');
    expect(states.PublishPhaseFailedAlert?.Next).toBe('RunFailed');
    expect(states.RunFailed?.Type).toBe('Fail');
    expect(states.AcquireLock?.Catch?.[0]?.Next).toBe('RunRefused');
  });

  it('retries transient errors with backoff but never a build that failed on its own', () => {
    for (const [stateName, state] of Object.entries(states)) {
      if (state.Type !== 'Task') continue;
      const retried = (state.Retry ?? []).flatMap((retry) => retry.ErrorEquals);
      expect(retried.length, stateName).toBeGreaterThan(0);
      expect(retried, stateName).not.toContain('States.TaskFailed');
      expect(retried, stateName).not.toContain('States.ALL');
    }
    expect(states.RecordTerraform?.Retry?.[0]?.ErrorEquals).toContain('TransientStoreError');
    expect(states.BuildTerraform?.Retry?.[0]?.ErrorEquals).toContain(
      'CodeBuild.AccountLimitExceededException',
    );
  });

  it('bounds every build below the execution timeout, so a stuck phase fails into its Catch', () => {
    const builds = ['BuildTerraform', 'BuildAnsible', 'BuildArgocdBootstrap'].map(
      (name) => (states[name] as { TimeoutSeconds?: number }).TimeoutSeconds ?? 0,
    );
    for (const seconds of builds) expect(seconds).toBeGreaterThan(0);
    const total = builds.reduce((sum, seconds) => sum + seconds, 0);
    expect(definition.TimeoutSeconds ?? 0).toBeGreaterThan(total);
  });

  it('runs every handler on Node.js 22, arm64, with X-Ray tracing', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(5);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
    }
  });
});
