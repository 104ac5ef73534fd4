import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepository, type Repository } from '../../../functions/adapters/dynamodb/repository.js';
import { createRunStarter, type RunStarter } from '../../../functions/adapters/sfn/run-starter.js';
import { RunAlreadyStartedError, ValidationError } from '../../../functions/domain/errors.js';
import { specHash } from '../../../functions/domain/spec-hash.js';
import { type LocalDynamo, startDynalite } from '../../support/dynalite.js';
import { type FakeSfn, startFakeSfn } from '../../support/fake-sfn.js';
import { freshNames, validSpec } from '../../support/fixtures.js';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:slipway-provisioning';
let dynamo: LocalDynamo;
let sfn: FakeSfn;
let repository: Repository;
let starter: RunStarter;

beforeAll(async () => {
  dynamo = await startDynalite();
  sfn = await startFakeSfn(STATE_MACHINE);
  repository = createRepository({ client: dynamo.documentClient, tableName: dynamo.tableName });
  starter = createRunStarter({ client: sfn.client, stateMachineArn: STATE_MACHINE, repository });
});

afterAll(async () => {
  await sfn.stop();
  await dynamo.stop();
});

async function seedEnvironment() {
  const names = freshNames();
  await repository.putOrganization({
    ...names,
    displayName: 'Acme',
    quota: { cpu: '32', memory: '64Gi', pods: 300 },
    maxEnvironments: 10,
  });
  const spec = validSpec();
  await repository.recordSpec({ ...names, spec, specHash: specHash(spec) });
  return { ...names, spec };
}

describe('run starter', () => {
  it('names the execution after the run: environment, sequence number and spec hash', async () => {
    const { organization, environment, spec } = await seedEnvironment();
    const started = await starter.startRun({ organization, environment, trigger: 'api', spec });
    expect(started.runId).toMatch(new RegExp(`^${organization}\\.${environment}\\.000001\\.[0-9a-f]{8}$`));
    expect(sfn.executions.get(started.runId)?.input).toBe(JSON.stringify(started.input));
    expect(started.input).toMatchObject({ seq: 1, commit: '', trigger: 'api', spec });
  });

  it('lets the same spec run again after a failure, under a new sequence number', async () => {
    const { organization, environment, spec } = await seedEnvironment();
    const first = await starter.startRun({ organization, environment, trigger: 'api', spec });
    const execution = sfn.executions.get(first.runId);
    if (execution) execution.status = 'FAILED';

    const again = await starter.startRun({ organization, environment, trigger: 'resume', spec });

    expect(again.runId).not.toBe(first.runId);
    expect(again.input.seq).toBe(first.input.seq + 1);
    expect(again.input.specHash).toBe(first.input.specHash);
  });

  it('returns the original execution for a duplicated start of a running run', async () => {
    const { organization, environment, spec } = await seedEnvironment();
    const first = await starter.startRun({ organization, environment, trigger: 'git-push', spec });
    const duplicate = await starter.startExecution(first.input);
    expect(duplicate.executionArn).toBe(first.executionArn);
    expect([...sfn.executions.keys()].filter((name) => name === first.runId)).toHaveLength(1);
  });

  it('refuses a duplicated start of a run that already ended, or with another input', async () => {
    const { organization, environment, spec } = await seedEnvironment();
    const first = await starter.startRun({ organization, environment, trigger: 'api', spec });
    await expect(starter.startExecution({ ...first.input, commit: 'other' })).rejects.toBeInstanceOf(
      RunAlreadyStartedError,
    );
    const execution = sfn.executions.get(first.runId);
    if (execution) execution.status = 'SUCCEEDED';
    await expect(starter.startExecution(first.input)).rejects.toMatchObject({
      name: 'RunAlreadyStartedError',
    });
  });

  it('refuses a bad spec with the field named, before allocating or starting anything', async () => {
    const { organization, environment, spec } = await seedEnvironment();
    const bad = { ...spec, network: { ...spec.network, podCidr: spec.network.vpcCidr } };
    const executions = sfn.executions.size;

    const error = await starter
      .startRun({ organization, environment, trigger: 'api', spec: bad })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain('network.podCidr');
    expect(sfn.executions.size).toBe(executions);
    expect((await repository.getEnvironment(organization, environment))?.runSeq ?? 0).toBe(0);
  });
});
