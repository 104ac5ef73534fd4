#!/usr/bin/env bash
# build, second step of the argocd teardown: removes slipway-managed/<org>/<env>/ from the Slipway
# GitOps repository with one commit, so no later bootstrap or stray Argo CD can reconcile it again.
# Runs after the prune: while slipway-managed existed, an empty path would have made Argo CD prune
# with no bound on when. A path already absent is success. The PUSH credential reaches git alone,
# through GIT_ASKPASS (the provisioning phase's gitops.sh helpers).
set -euo pipefail

# shellcheck source=../argocd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../argocd/gitops.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/gitops.sh"

# Commits the removal and pushes it, starting again from the branch head when another environment
# pushed in between (each path belongs to one environment, so a fresh removal never conflicts).
# Records the commit, or nothing when the path is already gone.
remove_managed_path() {
  local checkout branch path attempt revision
  checkout="$(gitops_checkout_dir)"
  branch="$(gitops_branch)"
  path="$(managed_path)"
  write_git_askpass
  rm -rf "${checkout}"
  gitops_git clone --quiet --depth 1 --branch "${branch}" "${SLIPWAY_GITOPS_REPOSITORY}" "${checkout}"
  git -C "${checkout}" config user.name "Slipway"
  git -C "${checkout}" config user.email "slipway@users.noreply.invalid"
  for ((attempt = 1; attempt <= GIT_PUSH_ATTEMPTS; attempt++)); do
    if [[ -z "$(git -C "${checkout}" ls-files -- "${path}")" ]]; then
      info "${path} is not in ${branch} (already removed, or never published)"
      return 0
    fi
    git -C "${checkout}" rm -r --quiet -- "${path}"
    git -C "${checkout}" commit --quiet -m "slipway: tear down ${SLIPWAY_ORGANIZATION}/${SLIPWAY_ENVIRONMENT} run ${SLIPWAY_RUN_ID:-manual}"
    if gitops_git -C "${checkout}" push --quiet origin "HEAD:${branch}"; then
      revision="$(git -C "${checkout}" rev-parse HEAD)"
      record_export TENANT_MANIFESTS_REMOVED_REVISION "${revision}"
      info "removed ${path} from ${branch} at ${revision}"
      return 0
    fi
    info "push rejected (attempt ${attempt}/${GIT_PUSH_ATTEMPTS}); refetching ${branch}"
    gitops_git -C "${checkout}" fetch --quiet --depth 1 origin "${branch}"
    git -C "${checkout}" reset --quiet --hard FETCH_HEAD
  done
  error "could not push the removal of ${path} to ${branch} after ${GIT_PUSH_ATTEMPTS} attempts"
  return 1
}

main() {
  require_cmd git
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_GITOPS_REPOSITORY SLIPWAY_GITOPS_USERNAME \
    SLIPWAY_GITOPS_PASSWORD
  protect_push_credential
  protect_kubeconfig
  ensure_phase_dir
  remove_managed_path
}

main "$@"
