#!/usr/bin/env bash
# build, third step of the argocd teardown of a shared cluster's TENANT (the other parts prune in
# argocd-prune.sh and have nothing to do here): gitops-remove.sh has just removed the tenant's
# directory, so the cluster's slipway-tenants ApplicationSet deletes the Application
# tenant-<org>.<env> and its resources finalizer makes Argo CD prune what it created - the
# organization's AppProject and ApplicationSet, the Applications that generated, the namespaces.
# Through the SSM tunnel, this waits (bounded by ARGOCD_PRUNE_TIMEOUT, a check every
# ARGOCD_PRUNE_POLL_SECONDS) until none of them is left, so a teardown reports DONE only once the
# tenant is really gone from the cluster; when the bound runs out it fails naming what is left, and
# the workflow ends the teardown DELETE_FAILED with a phase.failed alert. Resuming it finds the
# directory already removed and waits again.
set -euo pipefail

# shellcheck source=../argocd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../argocd/tunnel.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/tunnel.sh"

# For a tenant the prune IS this wait: argocd-prepare.sh skips it when there is no cluster to reach.
readonly PRUNE_STEP=prune-applications
ARGOCD_NAMESPACE=argocd
PRUNE_TIMEOUT="${ARGOCD_PRUNE_TIMEOUT:-600}"
# The slipway-tenants ApplicationSet's Git generator notices a removed directory on its next poll
# (Argo CD's default: every 3 minutes), so checks every 10 s are plenty.
PRUNE_POLL_SECONDS="${ARGOCD_PRUNE_POLL_SECONDS:-10}"
readonly SLIPWAY_OBJECTS=applications.argoproj.io,applicationsets.argoproj.io,appprojects.argoproj.io
readonly MANAGED_BY_SLIPWAY=app.kubernetes.io/managed-by=slipway

argocd_installed() {
  [[ -n "$(kube get crd applications.argoproj.io --ignore-not-found -o name)" ]]
}

tenant_selector() {
  printf 'slipway.io/organization=%s,slipway.io/environment=%s' "${SLIPWAY_ORGANIZATION}" "${SLIPWAY_ENVIRONMENT}"
}

# What is left of the tenant, one <resource>/<name> a line: its Application on the platform's
# ApplicationSet, the Argo CD objects labelled with its organization and environment, and its
# namespaces (a Terminating namespace is still there). An assignment in the caller, so a failed
# listing fails the step instead of reading as "gone".
tenant_objects() {
  local argo namespaces
  argo="$(kube -n "${ARGOCD_NAMESPACE}" get "${SLIPWAY_OBJECTS}" -l "${MANAGED_BY_SLIPWAY}" -o json)"
  namespaces="$(kube get namespaces -l "$(tenant_selector)" -o name)"
  jq -r --arg app "$(tenant_application)" --arg org "${SLIPWAY_ORGANIZATION}" --arg env "${SLIPWAY_ENVIRONMENT}" \
    '.items[]
      | select(.metadata.name == $app
          or (.metadata.labels["slipway.io/organization"] == $org and .metadata.labels["slipway.io/environment"] == $env))
      | "\(.kind | ascii_downcase)s.argoproj.io/\(.metadata.name)"' <<<"${argo}"
  if [[ -n "${namespaces}" ]]; then
    printf '%s\n' "${namespaces}"
  fi
}

count_lines() {
  if [[ -z "$1" ]]; then
    printf '0'
  else
    wc -l <<<"$1" | tr -d ' '
  fi
}

wait_until_tenant_pruned() {
  local deadline left polls=0 applications
  left="$(tenant_objects)"
  applications="$(count_lines "$(grep '^applications\.argoproj\.io/' <<<"${left}" || true)")"
  info "waiting up to ${PRUNE_TIMEOUT}s for Argo CD to prune $(tenant_application): $(count_lines "${left}") objects left"
  deadline=$((SECONDS + PRUNE_TIMEOUT))
  while true; do
    polls=$((polls + 1))
    if [[ -z "${left}" ]]; then
      record_export APPLICATIONS_PRUNED "${applications}"
      info "Argo CD pruned $(tenant_application): no Application, AppProject or namespace of ${SLIPWAY_ORGANIZATION}/${SLIPWAY_ENVIRONMENT} is left (${polls} checks)"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      error "ARGOCD_PRUNE_TIMEOUT (${PRUNE_TIMEOUT}s) ran out after ${polls} checks waiting for Argo CD to prune $(tenant_application); still there: $(paste -s -d ' ' <<<"${left}")"
      return 1
    fi
    if ((PRUNE_POLL_SECONDS > 0)); then
      pause "${PRUNE_POLL_SECONDS}"
    fi
    left="$(tenant_objects)"
  done
}

main() {
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  protect_push_credential
  protect_kubeconfig
  if [[ "$(argocd_part)" != tenant ]] || step_skipped "${PRUNE_STEP}"; then
    return 0
  fi
  require_cmd jq aws kubectl session-manager-plugin timeout
  trap 'close_tunnel; rm -f "$(kubeconfig_file)"' EXIT
  open_tunnel
  if ! argocd_installed; then
    skip_step "${PRUNE_STEP}" "the shared cluster has no Argo CD (no applications.argoproj.io CRD): nothing of the tenant to wait for"
    return 0
  fi
  wait_until_tenant_pruned
}

main "$@"
