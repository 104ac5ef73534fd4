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

# Where the rendered manifests of this environment live in the Slipway GitOps repository.
managed_path() { printf 'slipway-managed/%s' "$(environment_prefix)"; }

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
cluster_hook_url() {
  local base="$1"
  printf '%s/%s/%s' "${base%/}" "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"
}
