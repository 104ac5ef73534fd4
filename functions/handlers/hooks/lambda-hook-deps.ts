/** The cluster hooks' clients in Lambda: the repository, the SNS publisher, the hook secrets. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretsManagerHookSecrets } from '../../adapters/secrets/hook-secrets.js';
import { lazy, requireEnv } from '../../shared/config.js';
import { lambdaAlertPublisher } from '../../shared/lambda-alert-publisher.js';
import { lambdaRepository } from '../../shared/lambda-repository.js';
import { lambdaObservability } from '../../shared/observability.js';
import type { SharedClusterHookDeps } from './shared-cluster-hook.js';

export const lambdaHookDeps = lazy(
  (): SharedClusterHookDeps => ({
    repository: lambdaRepository(),
    publisher: lambdaAlertPublisher(),
    secrets: secretsManagerHookSecrets({
      secretId: requireEnv('HOOK_SECRET_ID'),
      client: new SecretsManagerClient({}),
    }),
    ...lambdaObservability,
  }),
);
