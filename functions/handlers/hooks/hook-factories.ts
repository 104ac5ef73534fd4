/**
 * The push hooks' plain handler factories by route id (HOOK_ROUTES in functions/handlers/api/
 * routes.ts), for the doors that bring their own clients: local mode and the tests. Lambda uses
 * each module's `handler` export.
 */
import type { ApiHandler } from '../../shared/http/route.js';
import { makeGithubHook } from './github.js';
import { makeGitlabHook } from './gitlab.js';
import type { PushHookDeps } from './push-hook.js';

export const PUSH_HOOK_FACTORIES: Readonly<Record<string, (deps: PushHookDeps) => ApiHandler>> = {
  'github-hook': makeGithubHook,
  'gitlab-hook': makeGitlabHook,
};
