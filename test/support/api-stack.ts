import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { ApiRoute } from '../../functions/handlers/api/routes.js';
import { HttpApi } from '../../infra/constructs/http-api.js';
import { IdempotencyStore } from '../../infra/constructs/idempotency-store.js';
import { Identity, type IdentityProps } from '../../infra/constructs/identity.js';
import { StateStore } from '../../infra/constructs/state-store.js';
import { applyNagSuppressions } from '../../infra/nag-suppressions.js';

/**
 * Routes over handler files that exist today, one per kind of grant the route table can ask for:
 * read only, read-write, read-write + starting runs + idempotency.
 */
export const TEST_ROUTES: readonly ApiRoute[] = [
  {
    id: 'read-thing',
    method: 'GET',
    path: '/v1/things/{thing}',
    handler: 'acquire-lock',
    table: 'read',
    throttle: { rate: 50, burst: 100 },
  },
  {
    id: 'put-thing',
    method: 'PUT',
    path: '/v1/things/{thing}',
    handler: 'record-phase',
    table: 'read-write',
    throttle: { rate: 10, burst: 20 },
  },
  {
    id: 'start-thing',
    method: 'POST',
    path: '/v1/things/{thing}/runs',
    handler: 'complete-run',
    table: 'read-write',
    startsRuns: true,
    idempotent: true,
    throttle: { rate: 5, burst: 10 },
  },
];

export interface ApiStackOptions {
  readonly identity?: IdentityProps;
  readonly corsOrigins?: readonly string[];
  readonly routes?: readonly ApiRoute[];
}

/**
 * A stack holding only the API's constructs and what they depend on (key, state table, a one-state
 * machine standing in for the provisioning workflow): each kind of grant and each variant (OIDC,
 * CORS, MFA) is asserted on without synthesizing the whole Slipway stack each time. The stack
 * itself, with the real route table, is tested in test/infra/http-api.test.ts too. Bundling is
 * skipped and CDK's CloudFormation validation is off, as in test/support/synth.ts.
 */
export function synthApiStack(options: ApiStackOptions = {}) {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ApiTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const stateStore = new StateStore(stack, 'StateStore', { encryptionKey });
  const idempotency = new IdempotencyStore(stack, 'Idempotency', { encryptionKey });
  const identity = new Identity(stack, 'Identity', options.identity);
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
  });
  const api = new HttpApi(stack, 'Api', {
    routes: options.routes ?? TEST_ROUTES,
    issuer: identity.issuer,
    audience: identity.audience,
    stateStore,
    idempotency,
    workflow: {
      grantStart: (fn) => {
        fn.addEnvironment('STATE_MACHINE_ARN', stateMachine.stateMachineArn);
        return stateMachine.grantStartExecution(fn);
      },
    },
    corsOrigins: options.corsOrigins,
  });
  applyNagSuppressions(stack);
  return { app, stack, api, identity, template: Template.fromStack(stack) };
}
