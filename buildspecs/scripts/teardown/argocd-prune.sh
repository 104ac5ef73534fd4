#!/usr/bin/env bash
# build, first step of the argocd teardown: through the provisioning phase's SSM tunnel, deletes the
# Application slipway-managed with cascading deletion, so Argo CD prunes what it reconciles from
# slipway-managed/<org>/<env>/ - the tenant AppProject, the ApplicationSet (and with it the tenant
# Applications it generated), the tenant namespaces and the monitoring Application - then waits,
# bounded, until every Slipway Application, ApplicationSet and AppProject is gone and deletes the
# AppProject slipway-platform last. Already deleted objects count as done.
set -euo pipefail

# shellcheck source=../argocd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../argocd/tunnel.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/tunnel.sh"

readonly PRUNE_STEP=prune-applications
ARGOCD_NAMESPACE=argocd
# Seconds for Argo CD to prune everything, in total.
PRUNE_TIMEOUT="${ARGOCD_PRUNE_TIMEOUT:-600}"
# slipway-managed carries no resources finalizer on purpose (a mistaken delete must not cascade);
# the teardown adds the one Argo CD documents for cascading deletion, in foreground.
readonly CASCADE_FINALIZER=resources-finalizer.argocd.argoproj.io
readonly SLIPWAY_OBJECTS=applications.argoproj.io,applicationsets.argoproj.io,appprojects.argoproj.io
readonly MANAGED_BY_SLIPWAY=app.kubernetes.io/managed-by=slipway

argocd_installed() {
  [[ -n "$(kube get crd applications.argoproj.io --ignore-not-found -o name)" ]]
}

# What must be gone before the step is done: every Application, ApplicationSet and AppProject the
# bootstrap or the bundle labelled as Slipway's, as <resource>/<name>, slipway-managed first (the
# root of the cascade, so a stuck prune names it) and slipway-platform left out (it is deleted last:
# the Applications being pruned belong to it). Read before the delete, and again on a re-run, so
# objects a failed earlier teardown left behind are waited for too.
list_slipway_objects() {
  kube -n "${ARGOCD_NAMESPACE}" get "${SLIPWAY_OBJECTS}" -l "${MANAGED_BY_SLIPWAY}" -o json |
    jq -r '.items
      | map(select((.kind == "AppProject" and .metadata.name == "slipway-platform") | not))
      | sort_by(.kind != "Application" or .metadata.name != "slipway-managed")[]
      | "\(.kind | ascii_downcase)s.argoproj.io/\(.metadata.name)"'
}

delete_managed_application() {
  if [[ -z "$(kube -n "${ARGOCD_NAMESPACE}" get application slipway-managed --ignore-not-found -o name)" ]]; then
    info "Application slipway-managed is already deleted"
    return 0
  fi
  kube -n "${ARGOCD_NAMESPACE}" patch application slipway-managed --type merge \
    -p "{\"metadata\":{\"finalizers\":[\"${CASCADE_FINALIZER}\"]}}" >/dev/null
  kube -n "${ARGOCD_NAMESPACE}" delete application slipway-managed --wait=false >/dev/null
  info "deleting Application slipway-managed with cascading deletion (${CASCADE_FINALIZER})"
}

# One bounded `kubectl wait --for=delete` per object, all within PRUNE_TIMEOUT together; an object
# already gone passes at once. On a timeout, names what is left and why it is stuck.
wait_until_pruned() {
  local deadline="$1" object left
  shift
  for object in "$@"; do
    left=$((deadline - SECONDS))
    if ((left <= 0)) || ! kube -n "${ARGOCD_NAMESPACE}" wait --for=delete "${object}" --timeout "${left}s" >/dev/null; then
      error "ARGOCD_PRUNE_TIMEOUT (${PRUNE_TIMEOUT}s) ran out waiting for Argo CD to prune ${object}: $(kube -n "${ARGOCD_NAMESPACE}" get "${object}" --ignore-not-found \
        -o jsonpath='{.metadata.deletionTimestamp} finalizers={.metadata.finalizers} {.status.operationState.message}')"
      return 1
    fi
  done
}

delete_platform_project() {
  local deadline="$1" left
  left=$((deadline - SECONDS))
  if ((left <= 0)); then
    error "ARGOCD_PRUNE_TIMEOUT (${PRUNE_TIMEOUT}s) ran out before the AppProject slipway-platform was deleted"
    return 1
  fi
  kube -n "${ARGOCD_NAMESPACE}" delete appproject slipway-platform --ignore-not-found --wait --timeout "${left}s" >/dev/null
  info "AppProject slipway-platform is deleted"
}

prune_applications() {
  local deadline object listing applications=0
  local -a objects=()
  # An assignment, not a process substitution: a failed listing fails the step.
  listing="$(list_slipway_objects)"
  if [[ -n "${listing}" ]]; then
    mapfile -t objects <<<"${listing}"
  fi
  for object in "${objects[@]}"; do
    if [[ "${object}" == applications.argoproj.io/* ]]; then
      applications=$((applications + 1))
    fi
  done
  info "pruning ${#objects[@]} Argo CD objects of $(environment_prefix) (${applications} Applications)"
  deadline=$((SECONDS + PRUNE_TIMEOUT))
  delete_managed_application
  wait_until_pruned "${deadline}" "${objects[@]}"
  delete_platform_project "${deadline}"
  record_export APPLICATIONS_PRUNED "${applications}"
  info "Argo CD pruned ${applications} Applications and their ApplicationSets and AppProjects"
}

main() {
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  protect_push_credential
  protect_kubeconfig
  if step_skipped "${PRUNE_STEP}"; then
    return 0
  fi
  if [[ "$(argocd_part)" == tenant ]]; then
    # slipway-managed and Argo CD are the shared cluster's: a tenant never prunes them. Its own
    # Application goes when gitops-remove removes its directory (the slipway-tenants ApplicationSet
    # deletes it, and its finalizer what it created): tenant-prune-wait.sh waits for that.
    info "a shared cluster's tenant: its Application is pruned once its directory leaves the GitOps repository (tenant-prune-wait.sh waits for it)"
    return 0
  fi
  require_cmd jq aws kubectl session-manager-plugin timeout
  trap 'close_tunnel; rm -f "$(kubeconfig_file)"' EXIT
  open_tunnel
  if ! argocd_installed; then
    skip_step "${PRUNE_STEP}" "the cluster has no Argo CD (no applications.argoproj.io CRD): the bootstrap never installed it"
    return 0
  fi
  prune_applications
}

main "$@"
