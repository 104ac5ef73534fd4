/** Lambda entry of POST /v1/clusters/{cluster}/hooks/argocd (shared-cluster-hook.ts). */
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { makeSharedClusterArgocdHook } from './argocd.js';
import { lambdaHookDeps } from './lambda-hook-deps.js';

export const handler = apiLambdaHandler(() => makeSharedClusterArgocdHook(lambdaHookDeps()));
