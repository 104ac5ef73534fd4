/**
 * POST /v1/hooks/github — GitHub's push webhook. `X-Hub-Signature-256` (HMAC-SHA256 of the raw
 * body under the hook secret, current or previous) is checked first, in constant time: missing or
 * wrong → 401 and nothing is recorded or published (no secret configured at all: 401 saying so). Then `X-GitHub-Event`: `ping` → 200, anything
 * but `push` → 202 ignored; the body (JSON, or the form-encoded `payload=` GitHub can send) is
 * classified (tag pushes, other refs and branch deletions → 202 ignored) and forwarded.
 */
import { classifyGithubPush } from '../../domain/git-push.js';
import { hubSignatureMatches } from '../../domain/hook-auth.js';
import { apiLambdaHandler } from '../../shared/http/lambda-handler.js';
import { makeHookRoute, notConfigured, parseJsonBody, unauthorized } from './hook-route.js';
import { lambdaPushHookDeps } from './lambda-push-hook-deps.js';
import { classifyOrRefuse, forwardPush, ignored, type PushHookDeps } from './push-hook.js';

function githubBody(raw: Buffer, contentType: string | undefined): unknown {
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
    return parseJsonBody(Buffer.from(payload ?? '', 'utf8'), 'payload');
  }
  return parseJsonBody(raw);
}

export const makeGithubHook = (deps: PushHookDeps) =>
  makeHookRoute(
    'github-hook',
    async (request) => {
      const signature = request.headers['x-hub-signature-256'];
      let configured = false;
      const authentic = await deps.verify('github', (accepted) => {
        configured ||= accepted.length > 0;
        return hubSignatureMatches(signature, request.rawBody, accepted);
      });
      if (!authentic && !configured) throw notConfigured('github', 'GitHub hook secret');
      if (!authentic) throw unauthorized('X-Hub-Signature-256 is missing or does not match the hook secret');
      const event = request.headers['x-github-event'] ?? '';
      if (event === 'ping') return { status: 200, body: { outcome: 'pong' } };
      if (event !== 'push') return ignored(`not a push event (X-GitHub-Event: ${event || 'none'})`);
      const body = githubBody(request.rawBody, request.headers['content-type']);
      const deliveryId = request.headers['x-github-delivery'];
      return forwardPush(
        deps,
        classifyOrRefuse(() =>
          classifyGithubPush(body, { ...(deliveryId ? { deliveryId } : {}), receivedAt: deps.now() }),
        ),
      );
    },
    deps,
  );

export const handler = apiLambdaHandler(() => makeGithubHook(lambdaPushHookDeps()));
