/** Lambda entry of POST /v1/clusters/{cluster}/hooks/alertmanager (shared-cluster-hook.ts). */
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { makeSharedClusterAlertmanagerHook } from './alertmanager.js';
import { lambdaHookDeps } from './lambda-hook-deps.js';

export const handler = apiLambdaHandler(() => makeSharedClusterAlertmanagerHook(lambdaHookDeps()));
