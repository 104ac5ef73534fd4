#!/usr/bin/env bash
# Hands the rendered bundle to Argo CD through Git: replaces slipway-managed/<org>/<env>/ in the
# Slipway GitOps repository with the bundle, commits and pushes. Sourced by bootstrap.sh.
# Credentials come from Secrets Manager (env.secrets-manager) and reach git through GIT_ASKPASS,
# never through the URL, a command line or the log.

GIT_PUSH_ATTEMPTS="${GIT_PUSH_ATTEMPTS:-3}"

configure_git_credentials() {
  local askpass="${PHASE_DIR}/git-askpass.sh"
  cat >"${askpass}" <<'ASKPASS'
#!/usr/bin/env bash
case "$1" in
  Username*) printf '%s\n' "${SLIPWAY_GITOPS_USERNAME}" ;;
  *) printf '%s\n' "${SLIPWAY_GITOPS_PASSWORD}" ;;
esac
ASKPASS
  chmod 0700 "${askpass}"
  export GIT_ASKPASS="${askpass}" GIT_TERMINAL_PROMPT=0
}

# Prints the commit at which the bundle is in the repository (a new one, or HEAD when unchanged).
publish_bundle() {
  local checkout="${PHASE_DIR}/gitops-checkout" branch="${SLIPWAY_GITOPS_BRANCH:-main}" path
  path="$(managed_path)"
  configure_git_credentials
  rm -rf "${checkout}"
  git clone --quiet --depth 1 --branch "${branch}" "${SLIPWAY_GITOPS_REPOSITORY}" "${checkout}" >&2
  git -C "${checkout}" config user.name "Slipway"
  git -C "${checkout}" config user.email "slipway@users.noreply.invalid"
  local attempt
  for ((attempt = 1; attempt <= GIT_PUSH_ATTEMPTS; attempt++)); do
    rm -rf "${checkout:?}/${path}"
    mkdir -p "${checkout}/${path}"
    cp -R "$(bundle_dir)/." "${checkout}/${path}/"
    git -C "${checkout}" add --all -- "${path}"
    if git -C "${checkout}" diff --cached --quiet; then
      info "tenant manifests unchanged in ${path}" >&2
      git -C "${checkout}" rev-parse HEAD
      return 0
    fi
    git -C "${checkout}" commit --quiet -m "slipway: ${SLIPWAY_ORGANIZATION}/${SLIPWAY_ENVIRONMENT} run ${SLIPWAY_RUN_ID:-manual}" >&2
    if git -C "${checkout}" push --quiet origin "HEAD:${branch}" >&2; then
      info "pushed ${path} to ${branch}" >&2
      git -C "${checkout}" rev-parse HEAD
      return 0
    fi
    # Someone pushed in between: start again from their commit (our path is ours alone).
    info "push rejected (attempt ${attempt}/${GIT_PUSH_ATTEMPTS}); refetching ${branch}" >&2
    git -C "${checkout}" fetch --quiet --depth 1 origin "${branch}" >&2
    git -C "${checkout}" reset --quiet --hard FETCH_HEAD >&2
  done
  error "could not push ${path} to ${branch} after ${GIT_PUSH_ATTEMPTS} attempts"
  return 1
}
