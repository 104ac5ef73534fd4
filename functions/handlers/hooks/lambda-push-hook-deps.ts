/**
 * The push hooks' clients in Lambda, built on the first delivery: the hook secrets (Secrets
 * Manager via Powertools, HOOK_SECRET_ID), the event bus (GIT_EVENT_BUS_NAME) and the repository
 * (the gsi2 lookup of a followed branch).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { eventBridgeGitPushPublisher } from '../../adapters/eventbridge/git-push-publisher.js';
import { secretsManagerHookSecrets, verifierFor } from '../../adapters/secrets/hook-secrets.js';
import { requireEnv } from '../../shared/config.js';
import { lambdaRepository } from '../../shared/lambda-repository.js';
import { lambdaObservability } from '../../shared/observability.js';
import type { PushHookDeps } from './push-hook.js';

export function lambdaPushHookDeps(): PushHookDeps {
  const secrets = secretsManagerHookSecrets({
    secretId: requireEnv('HOOK_SECRET_ID'),
    client: new SecretsManagerClient({}),
  });
  return {
    verify: verifierFor(secrets),
    publisher: eventBridgeGitPushPublisher({
      // The SDK reads AWS_ENDPOINT_URL_EVENTBRIDGE itself (a local bus in tests). Imported on the
      // first accepted push: most deliveries (refused, ignored, pings) never publish.
      client: async () => {
        const { EventBridgeClient } = await import('@aws-sdk/client-eventbridge');
        return new EventBridgeClient({});
      },
      eventBusName: requireEnv('GIT_EVENT_BUS_NAME'),
    }),
    repository: lambdaRepository(),
    now: () => new Date(),
    ...lambdaObservability,
  };
}
