#!/usr/bin/env bash
# Hands the rendered bundle to Argo CD through Git: replaces slipway-managed/<org>/<env>/ in the
# Slipway GitOps repository with the bundle, commits and pushes; later tells whether the revision
# Argo CD synced includes that commit. Sourced by bootstrap.sh.
#
# The PUSH credential (slipway/gitops-credentials, env.secrets-manager) is for git in this build
# alone: it reaches git through GIT_ASKPASS - never the URL, a command line, the log or the cluster
# (Argo CD gets the read-only slipway/gitops-read-credentials) - and no other command this script
# starts inherits it (protect_push_credential).

GIT_PUSH_ATTEMPTS="${GIT_PUSH_ATTEMPTS:-3}"
# Set by publish_bundle: the commit at which the bundle is in the repository.
PUBLISHED_REVISION=""

gitops_branch() { printf '%s' "${SLIPWAY_GITOPS_BRANCH:-main}"; }

# The askpass helper holds no secret: it echoes what git's environment carries.
write_git_askpass() {
  local askpass="${PHASE_DIR}/git-askpass.sh"
  cat >"${askpass}" <<'ASKPASS'
#!/usr/bin/env bash
case "$1" in
  Username*) printf '%s\n' "${SLIPWAY_GITOPS_USERNAME}" ;;
  *) printf '%s\n' "${SLIPWAY_GITOPS_PASSWORD}" ;;
esac
ASKPASS
  chmod 0700 "${askpass}"
}

# git with the push credential in ITS environment only (and so in its askpass helper's).
gitops_git() {
  SLIPWAY_GITOPS_USERNAME="${SLIPWAY_GITOPS_USERNAME}" SLIPWAY_GITOPS_PASSWORD="${SLIPWAY_GITOPS_PASSWORD}" \
    GIT_ASKPASS="${PHASE_DIR}/git-askpass.sh" GIT_TERMINAL_PROMPT=0 git "$@"
}

# Commits the bundle under slipway-managed/<org>/<env>/ and pushes it; sets PUBLISHED_REVISION to
# the new commit, or to the branch head when the bundle is already there unchanged.
publish_bundle() {
  local checkout branch path
  checkout="$(gitops_checkout_dir)"
  branch="$(gitops_branch)"
  path="$(managed_path)"
  write_git_askpass
  rm -rf "${checkout}"
  gitops_git clone --quiet --depth 1 --branch "${branch}" "${SLIPWAY_GITOPS_REPOSITORY}" "${checkout}"
  git -C "${checkout}" config user.name "Slipway"
  git -C "${checkout}" config user.email "slipway@users.noreply.invalid"
  local attempt
  for ((attempt = 1; attempt <= GIT_PUSH_ATTEMPTS; attempt++)); do
    rm -rf "${checkout:?}/${path}"
    mkdir -p "${checkout}/${path}"
    cp -R "$(bundle_dir)/." "${checkout}/${path}/"
    git -C "${checkout}" add --all -- "${path}"
    if git -C "${checkout}" diff --cached --quiet; then
      PUBLISHED_REVISION="$(git -C "${checkout}" rev-parse HEAD)"
      info "tenant manifests unchanged in ${path} at ${PUBLISHED_REVISION}"
      return 0
    fi
    git -C "${checkout}" commit --quiet -m "slipway: ${SLIPWAY_ORGANIZATION}/${SLIPWAY_ENVIRONMENT} run ${SLIPWAY_RUN_ID:-manual}"
    if gitops_git -C "${checkout}" push --quiet origin "HEAD:${branch}"; then
      PUBLISHED_REVISION="$(git -C "${checkout}" rev-parse HEAD)"
      info "pushed ${path} to ${branch} at ${PUBLISHED_REVISION}"
      return 0
    fi
    # Someone pushed in between: start again from their commit (our path is ours alone).
    info "push rejected (attempt ${attempt}/${GIT_PUSH_ATTEMPTS}); refetching ${branch}"
    gitops_git -C "${checkout}" fetch --quiet --depth 1 origin "${branch}"
    git -C "${checkout}" reset --quiet --hard FETCH_HEAD
  done
  error "could not push ${path} to ${branch} after ${GIT_PUSH_ATTEMPTS} attempts"
  return 1
}

# Succeeds when the commit SYNCED is OURS or a descendant of it, i.e. a sync at SYNCED deploys what
# we pushed. Argo CD follows the branch, so once another environment pushes after us it syncs their
# commit, not ours. The shallow working copy fetches the branch when it lacks SYNCED.
revision_includes() {
  local synced="$1" ours="$2" checkout
  checkout="$(gitops_checkout_dir)"
  if [[ "${synced}" == "${ours}" ]]; then
    return 0
  fi
  if [[ ! "${synced}" =~ ^[0-9a-f]{40,64}$ ]]; then
    return 1
  fi
  if ! git -C "${checkout}" cat-file -e "${synced}^{commit}" 2>/dev/null; then
    info "fetching $(gitops_branch) to see whether ${synced} includes ${ours}"
    if ! gitops_git -C "${checkout}" fetch --quiet origin "$(gitops_branch)"; then
      error "could not fetch $(gitops_branch) from the GitOps repository"
      return 1
    fi
    # Every descendant of ours on the branch is now in the working copy; anything else is older.
    if ! git -C "${checkout}" cat-file -e "${synced}^{commit}" 2>/dev/null; then
      info "${synced} is not a descendant of ${ours} on $(gitops_branch)"
      return 1
    fi
  fi
  git -C "${checkout}" merge-base --is-ancestor "${ours}" "${synced}"
}
