#!/usr/bin/env bash
# Helpers of the argocd-bootstrap phase scripts. Sourced, never executed. Paths are relative to the
# working directory, which CodeBuild sets to the source root ($CODEBUILD_SRC_DIR).

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

KUBERNETES_DIR="${KUBERNETES_DIR:-${PWD}/gitops/kubernetes}"
# Everything this phase produces at run time, outside the source tree: Terraform outputs, the
# kubeconfig (mode 0600), the working copy of the manifests, the rendered bundle and the exports.
PHASE_DIR="${ARGOCD_PHASE_DIR:-/tmp/slipway-argocd-phase}"

# shellcheck source=../lib/phase-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/phase-dir.sh"
# shellcheck source=../lib/exports.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/exports.sh"
# shellcheck source=../lib/handoffs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/handoffs.sh"

# The local end of the SSM port-forwarding session to the internal API load balancer.
tunnel_port() { printf '%s' "${ARGOCD_TUNNEL_PORT:-16443}"; }
manifests_dir() { printf '%s/kubernetes' "${PHASE_DIR}"; }
bundle_dir() { printf '%s/bundle' "${PHASE_DIR}"; }
# Written by the tenant renderer beside the bundle (not in it): the Argo CD Applications the
# organization's ApplicationSet generates, {"applications": [{"name", "path"}]}.
expected_applications_file() { printf '%s/expected-applications.json' "${PHASE_DIR}"; }
# The working copy of the Slipway GitOps repository the bundle is committed from.
gitops_checkout_dir() { printf '%s/gitops-checkout' "${PHASE_DIR}"; }

# Which part of the phase this build runs (gitops/kubernetes/tenants/shared.ts): SLIPWAY_ARGOCD_PART
# when the project or the run sets it, else what the spec says - a spec naming a sharedCluster is a
# tenant's (its namespaces on the shared cluster), a spec without namespaces is a shared cluster's
# own (Argo CD, monitoring, cluster-wide policies, no tenant), any other is a dedicated
# environment's (both parts on its own cluster).
argocd_part() {
  local part="${SLIPWAY_ARGOCD_PART:-}"
  if [[ -z "${part}" ]]; then
    part="$(jq -r 'if has("sharedCluster") then "tenant" elif has("namespaces") then "all" else "platform" end' <<<"${SLIPWAY_SPEC}")"
  fi
  case "${part}" in
    all | platform | tenant) printf '%s' "${part}" ;;
    *)
      error "SLIPWAY_ARGOCD_PART must be all, platform or tenant, not '${part}'"
      return 1
      ;;
  esac
}

# Where the rendered manifests of this environment live in the Slipway GitOps repository: its own
# path (a dedicated environment; a shared cluster's platform part, as cluster/<name>), or, for a
# shared cluster's tenant, <org>.<env> under the cluster's tenants/ (reconciled by the cluster's
# slipway-tenants ApplicationSet).
managed_path() {
  if [[ "$(argocd_part)" == tenant ]]; then
    printf 'slipway-managed/cluster/%s/tenants/%s.%s' "$(spec_get '.sharedCluster')" \
      "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"
  else
    printf 'slipway-managed/%s' "$(environment_prefix)"
  fi
}

# The commit of the environment's GitOps repository (spec.gitops) a push-started run syncs the
# environment's Applications to: SLIPWAY_COMMIT, set by the workflow from the run (trigger git-push);
# empty for a run the API started, which syncs the branch as it is. It reaches kubectl's arguments,
# so anything but a hex commit id of 7 to 40 characters is refused (lower-cased: Argo CD reports
# revisions in lower case).
pushed_commit() {
  local commit="${SLIPWAY_COMMIT:-}"
  if [[ -z "${commit}" ]]; then
    return 0
  fi
  if [[ ! "${commit}" =~ ^[0-9a-fA-F]{7,40}$ ]]; then
    error "SLIPWAY_COMMIT must be a commit id of 7 to 40 hex characters, not '${commit:0:64}'"
    return 1
  fi
  printf '%s' "${commit,,}"
}

# The Application that reconciles a tenant's directory on a shared cluster (shared.ts).
tenant_application() { printf 'tenant-%s.%s' "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"; }

# One Terraform output's value (from `terraform output -json`); fails when it is missing.
tf_output() {
  jq -er --arg name "$1" '.[$name].value // empty' "$(tf_outputs_file)"
}

kube() {
  kubectl --kubeconfig "$(kubeconfig_file)" "$@"
}

# Writes KEY=VALUE lines for kustomize's env-file generators; refuses values that would break them.
write_params() {
  local file="$1"
  shift
  : >"${file}"
  local pair
  for pair in "$@"; do
    if [[ "${pair}" == *$'\n'* ]]; then
      error "parameter ${pair%%=*} contains a newline"
      return 1
    fi
    printf '%s\n' "${pair}" >>"${file}"
  done
}

# CodeBuild exports every env.secrets-manager value to every command of the build. Each phase
# script calls this before it starts any tool: from then on the GitOps PUSH credential is a plain shell variable of the
# script, so no command it starts (kubectl, aws, jq, node, the SSM session) inherits it; gitops.sh
# hands it to git alone.
#
# The two hook secrets (slipway/webhooks) get the same treatment: every cluster's hook token is
# derived from them, so they reach node alone, as hook-token.sh computes one cluster's token.
protect_push_credential() {
  export -n SLIPWAY_GITOPS_USERNAME SLIPWAY_GITOPS_PASSWORD SLIPWAY_ARGOCD_TOKEN SLIPWAY_ALERTMANAGER_TOKEN
}

# This cluster's hook URLs: Slipway's hook base URLs (SLIPWAY_ARGOCD_WEBHOOK_URL,
# SLIPWAY_ALERTMANAGER_WEBHOOK_URL, i.e. <callbackBaseUrl>/v1/hooks/<source>) plus /<org>/<env>.
# A shared cluster's (the platform part) are <callbackBaseUrl>/v1/clusters/<name>/hooks/<source>.
cluster_hook_url() {
  local base="${1%/}"
  if [[ "$(argocd_part)" == platform ]]; then
    printf '%s/v1/clusters/%s/hooks/%s' "${base%/v1/hooks/*}" "${SLIPWAY_ENVIRONMENT}" "${base##*/}"
  else
    printf '%s/%s/%s' "${base}" "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"
  fi
}
