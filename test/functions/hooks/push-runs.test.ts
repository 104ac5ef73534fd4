/**
 * The run starter, invoked with EventBridge events (GitPushed from Slipway's bus, Step Functions
 * execution status changes from the default bus, CodeCommit reference changes) over dynalite and
 * the synthesized workflow run in-process with fake builds: dedup by (environment, commit), phase
 * selection by changed paths, a busy environment's queued push, throttling, unrouted pushes.
 */
import { createServer } from 'node:http';
import { CodeCommitClient } from '@aws-sdk/client-codecommit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecommitChangedPaths } from '../../../functions/adapters/codecommit/differences.js';
import { RunAlreadyStartedError } from '../../../functions/domain/errors.js';
import { pushExecutionName } from '../../../functions/domain/execution-name.js';
import type { GitPushed } from '../../../functions/domain/git-push.js';
import { PushNotStartedError } from '../../../functions/domain/use-cases/git-push-runs.js';
import { makeCodecommitPush } from '../../../functions/handlers/events/codecommit-push.js';
import { freshName, PLATFORM_ADMIN, provision } from '../../support/api-fixtures.js';
import { FakeBuilds } from '../../support/fake-builds.js';
import { validSpec } from '../../support/fixtures.js';
import { closeServer, listenOnLoopback } from '../../support/loopback.js';
import { codecommitEvent, commitId, githubDelivery, githubPush } from './payloads.js';
import {
  freshRepository,
  GITHUB_SECRET,
  type PushHarness,
  specFollowing,
  startPushHarness,
} from './push-harness.js';

let harness: PushHarness;

beforeAll(async () => {
  harness = await startPushHarness();
});

afterAll(async () => {
  await harness?.stop();
});

function gitPushedEvent(push: GitPushed): Record<string, unknown> {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'GitPushed',
    source: 'slipway.git',
    account: '123456789012',
    time: '2026-12-01T21:30:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: push,
  };
}

function push(repository: string, changedPaths: string[], after = commitId()): GitPushed {
  return {
    source: 'github',
    repository: `github.com/${repository}`,
    branch: 'main',
    before: commitId(),
    after,
    changedPaths,
    deliveryId: crypto.randomUUID(),
    pushedAt: new Date().toISOString(),
  };
}

function executionEnded(input: Record<string, unknown>, status = 'SUCCEEDED'): Record<string, unknown> {
  const name = String(input.runId);
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2026-12-01T21:31:00Z',
    region: 'eu-west-1',
    resources: [`arn:aws:states:eu-west-1:123456789012:execution:slipway:${name}`],
    detail: {
      executionArn: `arn:aws:states:eu-west-1:123456789012:execution:slipway:${name}`,
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:slipway',
      name,
      status,
      startDate: 1_796_160_600_000,
      stopDate: 1_796_160_660_000,
      input: JSON.stringify(input),
    },
  };
}

async function ready(environment: string, repository: string, path?: string) {
  await provision(
    harness.api,
    harness.organization,
    environment,
    specFollowing(harness.organization, environment, repository, path),
  );
}

const runsOf = async (environment: string) =>
  (await harness.api.repository.listRuns(harness.organization, environment)).items;

describe('run starter: GitPushed', () => {
  it('starts one run for the same push delivered three times (GitHub redelivers with the same delivery id)', async () => {
    const repository = freshRepository();
    await ready('dedup', repository);
    const payload = githubPush({
      repository,
      commits: [{ modified: [`tenants/${harness.organization}/dedup/deployment.yaml`] }],
    });
    const answers: unknown[] = [];
    for (let delivery = 0; delivery < 3; delivery += 1) {
      const result = await harness.github(
        githubDelivery(payload, GITHUB_SECRET, { deliveryId: 'redelivered-1' }),
      );
      expect(result.statusCode).toBe(202);
      answers.push(JSON.parse(result.body));
      await harness.events.settled();
    }
    await harness.api.starter.settled();
    const pushRuns = (await runsOf('dedup')).filter((run) => run.trigger === 'git-push');
    expect(pushRuns.map((run) => [run.commit, run.status])).toEqual([[payload.after, 'SUCCEEDED']]);
    // The first answer says it was accepted; the redeliveries say they are duplicates, naming the record.
    expect(answers[0]).toMatchObject({ outcome: 'accepted' });
    expect(answers[0]).not.toHaveProperty('duplicateOf');
    for (const answer of answers.slice(1)) {
      expect(answer).toMatchObject({
        outcome: 'duplicate',
        push: { after: payload.after, deliveryId: 'redelivered-1' },
        duplicateOf: [
          {
            organization: harness.organization,
            environment: 'dedup',
            status: 'started',
            runId: pushRuns[0]?.runId,
            deliveryId: 'redelivered-1',
          },
        ],
      });
    }
    expect(harness.api.starter.inputs.filter((input) => input.commit === payload.after)).toHaveLength(1);
    expect(harness.events.deadLetters).toEqual([]);
  });

  it('runs the ArgoCD phase alone, syncing to the commit, when a push changes only the environment manifests', async () => {
    const repository = freshRepository();
    await ready('touched', repository);
    await ready('untouched', repository);
    const builds = new FakeBuilds();
    harness.api.starter.builds = builds;
    const pushed = push(repository, [`tenants/${harness.organization}/touched/quota.yaml`, 'docs/README.md']);

    const output = await harness.runStarter(gitPushedEvent(pushed));
    await harness.api.starter.settled();

    expect(output).toMatchObject({ kind: 'git-pushed', result: { counts: { started: 1, untouched: 1 } } });
    const [run] = await runsOf('touched');
    expect(run).toMatchObject({ trigger: 'git-push', commit: pushed.after, status: 'SUCCEEDED' });
    expect(run?.phases.terraform).toMatchObject({
      status: 'SKIPPED',
      reason: expect.stringMatching(/^inputs unchanged since run /),
    });
    expect(run?.phases.ansible).toMatchObject({
      status: 'SKIPPED',
      reason: expect.stringMatching(/^inputs unchanged since run /),
    });
    expect(run?.phases['argocd-bootstrap'].status).toBe('SUCCEEDED');
    expect(builds.calls.map((call) => [call.phase, call.variables.SLIPWAY_COMMIT])).toEqual([
      ['argocd-bootstrap', pushed.after],
    ]);
    // Its execution is named from the environment and the commit, not the run id.
    const started = harness.api.starter.inputs.findIndex((input) => input.runId === run?.runId);
    expect(harness.api.starter.names[started]).toBe(
      pushExecutionName(harness.organization, 'touched', pushed.after),
    );
    expect((await runsOf('untouched')).map((each) => each.trigger)).toEqual(['api']);

    // The commit is an input of the ArgoCD phase: the same commit again plans nothing, a new one runs it.
    const again = await harness.runStarter(
      gitPushedEvent({ ...pushed, deliveryId: 'replayed-from-archive' }),
    );
    expect(again).toMatchObject({ result: { counts: { duplicate: 1 } } });
    const environment = await harness.api.repository.getEnvironment(harness.organization, 'touched');
    expect(environment?.gitCommit).toBe(pushed.after);
    // An unchanged PUT after the push still runs nothing (the API plans with the synced commit).
    const put = await harness.api.call('put-environment', {
      identity: { sub: 'admin', role: 'org-admin', orgs: [harness.organization] },
      path: { org: harness.organization, env: 'touched' },
      body: specFollowing(harness.organization, 'touched', repository),
    });
    expect(put.status).toBe(200);
  });

  it('queues a push for a busy environment (latest commit wins) and starts it when the run releases the lock', async () => {
    const repository = freshRepository();
    await ready('busy', repository);
    const path = `tenants/${harness.organization}/busy/app.yaml`;
    let release = () => {};
    harness.api.starter.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = push(repository, [path]);
    const second = push(repository, [path]);
    const third = push(repository, [path]);
    expect(await harness.runStarter(gitPushedEvent(first))).toMatchObject({
      result: { counts: { started: 1 } },
    });
    expect(await harness.runStarter(gitPushedEvent(second))).toMatchObject({
      result: { counts: { queued: 1 } },
    });
    expect(await harness.runStarter(gitPushedEvent(third))).toMatchObject({
      result: { counts: { queued: 1 } },
    });
    expect((await harness.api.repository.getQueuedPush(harness.organization, 'busy'))?.after).toBe(
      third.after,
    );
    // A late delivery of the push the queued one followed does not replace it.
    const late = push(repository, [path], third.before);
    expect(await harness.runStarter(gitPushedEvent(late))).toMatchObject({
      result: { counts: { unchanged: 1 } },
    });
    expect(
      await harness.api.repository.getPush({
        organization: harness.organization,
        environment: 'busy',
        commit: late.after,
      }),
    ).toMatchObject({
      status: 'unchanged',
      reason: 'the push that came after this commit is already queued',
    });
    expect((await harness.api.repository.getQueuedPush(harness.organization, 'busy'))?.after).toBe(
      third.after,
    );

    harness.api.starter.hold = undefined;
    release();
    await harness.api.starter.settled();
    const firstInput = harness.api.starter.inputs.find((input) => input.commit === first.after);
    expect(firstInput).toBeDefined();
    const ended = await harness.runStarter(executionEnded(firstInput as unknown as Record<string, unknown>));
    await harness.api.starter.settled();

    expect(ended).toMatchObject({
      kind: 'run-ended',
      queued: { kind: 'handled', result: { outcome: 'started' } },
    });
    const pushRuns = (await runsOf('busy')).filter((run) => run.trigger === 'git-push');
    expect(pushRuns.map((run) => [run.commit, run.status])).toEqual([
      [third.after, 'SUCCEEDED'],
      [first.after, 'SUCCEEDED'],
    ]);
    expect(await harness.api.repository.getQueuedPush(harness.organization, 'busy')).toBeUndefined();
    // The same end delivered again starts nothing more.
    expect(
      await harness.runStarter(executionEnded(firstInput as unknown as Record<string, unknown>)),
    ).toMatchObject({
      queued: { kind: 'none' },
    });
  });

  it('backs off when StartExecution is throttled, and records a push it cannot start as unrouted, then retries it', async () => {
    const repository = freshRepository();
    await ready('throttled', repository);
    const path = `tenants/${harness.organization}/throttled/app.yaml`;
    const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const starter = harness.api.starter;
    const original = starter.startExecution.bind(starter);
    let throttled = 2;
    starter.startExecution = async (input) => {
      if (throttled > 0) {
        throttled -= 1;
        throw throttle();
      }
      return original(input);
    };
    try {
      const before = harness.throttles.length;
      const pushed = push(repository, [path]);
      expect(await harness.runStarter(gitPushedEvent(pushed))).toMatchObject({
        result: { counts: { started: 1 } },
      });
      expect(harness.throttles.length - before).toBe(2);
      await starter.settled();

      const failing = push(repository, [path]);
      starter.failNext = Object.assign(new Error('State machine does not exist'), {
        name: 'StateMachineDoesNotExist',
      });
      await expect(harness.runStarter(gitPushedEvent(failing))).rejects.toBeInstanceOf(PushNotStartedError);
      const day = new Date().toISOString().slice(0, 10);
      const unrouted = await harness.api.repository.listUnrouted(day);
      expect(unrouted.filter((item) => item.commit === failing.after)).toEqual([
        expect.objectContaining({
          environment: 'throttled',
          reason: expect.stringMatching(/could not be started/),
        }),
      ]);
      // EventBridge retries the event: the push was abandoned, not marked handled, so it starts now.
      expect(await harness.runStarter(gitPushedEvent(failing))).toMatchObject({
        result: { counts: { started: 1 } },
      });
      await starter.settled();

      // StartExecution refusing the push's execution name (ExecutionAlreadyExists, as the real
      // starter reports it): the push already started, so it is a duplicate - not failed, not
      // unrouted, nothing dead-lettered - and the run just recorded leaves the environment free.
      const replayed = push(repository, [path]);
      starter.failNext = new RunAlreadyStartedError('an execution was already started', {
        cause: Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' }),
      });
      expect(await harness.runStarter(gitPushedEvent(replayed))).toMatchObject({
        result: {
          counts: { duplicate: 1 },
          unrouted: false,
          results: [
            expect.objectContaining({
              environment: 'throttled',
              outcome: 'duplicate',
              reason: expect.stringMatching(/already exists \(RunAlreadyStartedError/),
            }),
          ],
        },
      });
      expect(
        (await harness.api.repository.listUnrouted(day)).filter((item) => item.commit === replayed.after),
      ).toEqual([]);
      const after = await harness.api.repository.getEnvironment(harness.organization, 'throttled');
      expect(after?.activeRunId).toBeUndefined();
    } finally {
      starter.startExecution = original;
    }
  });

  it("starts a shared cluster's tenant's run, the ArgoCD tenant part alone at the commit, found by repository and branch", async () => {
    const repository = freshRepository();
    const cluster = freshName('shared');
    const { namespaces: _n, gitops: _g, ...dedicated } = validSpec('prod');
    const registered = await harness.api.call('put-cluster', {
      identity: PLATFORM_ADMIN,
      path: { cluster },
      body: dedicated,
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(202);
    await harness.api.starter.settled();
    await provision(harness.api, harness.organization, 'tenant', {
      tier: 'prod',
      sharedCluster: cluster,
      namespaces: [{ name: 'web', quota: { cpu: '1', memory: '2Gi', pods: 10 } }],
      gitops: {
        repository: `https://github.com/${repository}.git`,
        branch: 'main',
        path: `tenants/${harness.organization}/tenant`,
      },
    });
    const builds = new FakeBuilds();
    harness.api.starter.builds = builds;
    const pushed = push(repository, [`tenants/${harness.organization}/tenant/web/deployment.yaml`]);

    const output = await harness.runStarter(gitPushedEvent(pushed));
    await harness.api.starter.settled();

    expect(output).toMatchObject({
      result: {
        counts: { started: 1 },
        results: [expect.objectContaining({ environment: 'tenant', outcome: 'started' })],
      },
    });
    const run = (await runsOf('tenant')).find((each) => each.trigger === 'git-push');
    expect(run).toMatchObject({ commit: pushed.after, status: 'SUCCEEDED' });
    expect(run?.phases['argocd-bootstrap'].status).toBe('SUCCEEDED');
    // The cluster's phases are not the tenant's: they are SKIPPED, and only its ArgoCD part builds.
    expect(run?.phases.terraform?.status).toBe('SKIPPED');
    expect(run?.phases.ansible?.status).toBe('SKIPPED');
    expect(builds.calls.map((call) => [call.phase, call.variables.SLIPWAY_COMMIT])).toEqual([
      ['argocd-bootstrap', pushed.after],
    ]);
    // The same push again starts nothing new.
    expect(await harness.runStarter(gitPushedEvent({ ...pushed, deliveryId: 'replayed' }))).toMatchObject({
      result: { counts: { duplicate: 1 } },
    });
  });

  it('records a push that no environment follows as unrouted', async () => {
    const pushed = push(freshRepository(), ['a.yaml']);
    expect(await harness.runStarter(gitPushedEvent(pushed))).toMatchObject({ result: { unrouted: true } });
    const unrouted = await harness.api.repository.listUnrouted(new Date().toISOString().slice(0, 10));
    expect(unrouted.filter((item) => item.commit === pushed.after)).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^no environment follows /) }),
    ]);
  });
});

describe('CodeCommit reference changes', () => {
  it('diffs the two commits page by page and starts the run; a failed diff counts every path as changed', async () => {
    const repositoryName = `gitops-${commitId().slice(0, 6)}`;
    const url = `https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/${repositoryName}`;
    await ready('codecommit', url);
    const path = `tenants/${harness.organization}/codecommit`;
    const targets: string[] = [];
    let fail = false;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        targets.push(
          `${request.headers['x-amz-target']} ${/^AWS4-HMAC-SHA256 Credential=local\//.test(request.headers.authorization ?? '')}`,
        );
        const input = JSON.parse(body) as { NextToken?: string };
        if (fail) {
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ __type: 'CommitDoesNotExistException', message: 'no such commit' }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(
          JSON.stringify(
            input.NextToken === 'page-2'
              ? { differences: [{ afterBlob: { path: `${path}/b.yaml` }, changeType: 'A' }] }
              : {
                  differences: [
                    { beforeBlob: { path: 'README.md' }, afterBlob: { path: 'README.md' }, changeType: 'M' },
                  ],
                  NextToken: 'page-2',
                },
          ),
        );
      });
    });
    const endpoint = await listenOnLoopback(server);
    try {
      const published: GitPushed[] = [];
      const handle = makeCodecommitPush({
        diff: codecommitChangedPaths(
          new CodeCommitClient({
            region: 'eu-west-1',
            endpoint,
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }),
        ),
        publisher: { publish: async (pushed) => void published.push(pushed) },
        repository: harness.api.repository,
      });
      const event = codecommitEvent({ repositoryName });
      expect(await handle(event)).toMatchObject({ outcome: 'accepted' });
      expect(targets).toEqual([
        'CodeCommit_20150413.GetDifferences true',
        'CodeCommit_20150413.GetDifferences true',
      ]);
      expect(published[0]).toMatchObject({
        source: 'codecommit',
        repository: `git-codecommit.eu-west-1.amazonaws.com/v1/repos/${repositoryName.toLowerCase()}`,
        changedPaths: ['README.md', `${path}/b.yaml`],
        deliveryId: event.id,
      });
      const output = await harness.runStarter(gitPushedEvent(published[0] as GitPushed));
      expect(output).toMatchObject({ result: { counts: { started: 1 } } });
      await harness.api.starter.settled();

      fail = true;
      expect(await handle(codecommitEvent({ repositoryName }))).toMatchObject({ outcome: 'accepted' });
      expect(published[1]?.everyPathChanged).toBe('the CodeCommit diff failed (CommitDoesNotExistException)');
      expect(await handle(codecommitEvent({ repositoryName, event: 'referenceDeleted' }))).toMatchObject({
        outcome: 'ignored',
      });
      expect(await handle(codecommitEvent({ repositoryName, referenceType: 'tag' }))).toMatchObject({
        outcome: 'ignored',
      });
    } finally {
      await closeServer(server);
    }
  });
});
