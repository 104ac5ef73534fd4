/**
 * POST /v1/hooks/gitlab — GitLab's push webhook. `X-Gitlab-Token` must equal the hook token
 * (current or previous), compared in constant time before the body is read: missing or wrong →
 * 401, nothing recorded or published (no token configured at all: 401 saying so). `X-Gitlab-Event: Push Hook` is classified (a `Tag Push
 * Hook`, other events, other refs and branch deletions → 202 ignored) and forwarded.
 */
import { classifyGitlabPush } from '../../domain/git-push.js';
import { tokenMatches } from '../../domain/hook-auth.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { makeHookRoute, notConfigured, parseJsonBody, unauthorized } from './hook-route.js';
import { lambdaPushHookDeps } from './lambda-push-hook-deps.js';
import { classifyOrRefuse, forwardPush, ignored, type PushHookDeps } from './push-hook.js';

export const makeGitlabHook = (deps: PushHookDeps) =>
  makeHookRoute(
    'gitlab-hook',
    async (request) => {
      const token = request.headers['x-gitlab-token'];
      let configured = false;
      const authentic = await deps.verify('gitlab', (accepted) => {
        configured ||= accepted.length > 0;
        return tokenMatches(token, accepted);
      });
      if (!authentic && !configured) throw notConfigured('gitlab', 'GitLab hook token');
      if (!authentic) throw unauthorized('X-Gitlab-Token is missing or is not the hook token');
      const event = request.headers['x-gitlab-event'] ?? '';
      if (event === 'Tag Push Hook') return ignored('tag push');
      if (event !== 'Push Hook') return ignored(`not a push event (X-Gitlab-Event: ${event || 'none'})`);
      const body = parseJsonBody(request.rawBody);
      const deliveryId = request.headers['x-gitlab-event-uuid'] ?? request.headers['idempotency-key'];
      return forwardPush(
        deps,
        classifyOrRefuse(() =>
          classifyGitlabPush(body, { ...(deliveryId ? { deliveryId } : {}), receivedAt: deps.now() }),
        ),
      );
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeGitlabHook(lambdaPushHookDeps()));
