#!/usr/bin/env bash
# post_build: checks from the first control-plane node that every node is Ready and Cilium is
# healthy, stores the admin kubeconfig in Secrets Manager (KMS-encrypted) and records the phase's
# exported variables: KUBECONFIG_SECRET_ID, NODES_READY ("3/3") and CILIUM_STATUS.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

collect_cluster_report() {
  mkdir -p "$(report_dir)"
  run_playbook "${ANSIBLE_DIR}/playbooks/cluster-report.yml" --extra-vars "cluster_report_dir=$(report_dir)"
}

# The shapes the checks below read. A report that is not JSON, or JSON of another shape (an error
# page, an empty answer, a truncated file), fails the step: it never turns into a count or an "OK".
readonly INVENTORY_SHAPE='
  (.all.children.k8s_cluster.children | type == "object")
  and all(.all.children.k8s_cluster.children[]; (.hosts | type == "object"))
  and ([.all.children.k8s_cluster.children[].hosts | keys[]] | length > 0)'
readonly NODES_SHAPE='
  type == "object" and (.items | type == "array")
  and all(.items[];
    type == "object"
    and ((.status // {}) | type == "object")
    and ((.status.conditions // []) | type == "array" and all(.[]; type == "object")))'
readonly CILIUM_SHAPE='
  type == "object"
  and (.pod_state | type == "object") and (.pod_state.cilium | type == "object")
  and all(.pod_state[]; type == "object" and (.Desired | type == "number") and (.Ready | type == "number"))
  and ((.errors // {}) | type == "object"
    and all(.[]; . == null or (type == "object"
      and all(.[]; . == null or (type == "object"
        and ((.Errors // []) | type == "array") and ((.Warnings // []) | type == "array"))))))'

# Every node of the inventory registered and every registered node Ready; prints "<ready>/<expected>".
check_nodes_ready() {
  local nodes expected registered ready
  nodes="$(report_dir)/nodes.json"
  require_json "$(inventory_file)" "${INVENTORY_SHAPE}" "an inventory with k8s_cluster hosts"
  require_json "${nodes}" "${NODES_SHAPE}" "a node list (kubectl get nodes --output=json)"
  expected="$(jq -er '[.all.children.k8s_cluster.children[].hosts | keys[]] | length' "$(inventory_file)")"
  registered="$(jq -er '.items | length' "${nodes}")"
  ready="$(jq -er '[.items[] | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))] | length' \
    "${nodes}")"
  if ((registered != expected)); then
    error "${registered} nodes registered, the inventory has ${expected}"
    return 1
  fi
  if ((ready != registered)); then
    error "only ${ready} of ${registered} nodes are Ready"
    return 1
  fi
  printf '%s/%s' "${ready}" "${expected}"
}

# `cilium status --output json`: the agent DaemonSet fully ready, every Cilium workload at its
# desired count, and no component reporting errors or warnings.
check_cilium_health() {
  local status problems
  status="$(report_dir)/cilium-status.json"
  require_json "${status}" "${CILIUM_SHAPE}" "a Cilium status report (cilium status --output=json)"
  problems="$(jq -er '
    [ (if .pod_state.cilium.Desired > 0 then empty else "no cilium agent pods desired" end),
      (.pod_state | to_entries[]
        | select(.value.Ready != .value.Desired)
        | "\(.key): \(.value.Ready)/\(.value.Desired) ready"),
      (.errors // {} | to_entries[] | .key as $workload | .value // {} | to_entries[]
        | select(((.value.Errors // []) | length) + ((.value.Warnings // []) | length) > 0)
        | "\($workload)/\(.key): errors or warnings") ]
    | join("; ")' "${status}")"
  if [[ -n "${problems}" ]]; then
    error "cilium is not healthy: ${problems}"
    return 1
  fi
  printf 'OK'
}

# Create the secret on the first run, add a version on later runs; restore it if a teardown
# scheduled it for deletion. The value goes from file to the API, never through argv or the log.
store_kubeconfig() {
  local secret_id="$1" deleted_date
  if [[ ! -s "$(kubeconfig_file)" ]]; then
    error "no kubeconfig at $(kubeconfig_file): site.yml did not fetch it"
    return 1
  fi
  if deleted_date="$(aws secretsmanager describe-secret --secret-id "${secret_id}" --query DeletedDate --output text 2>/dev/null)"; then
    if [[ "${deleted_date}" != "None" ]]; then
      info "restoring secret ${secret_id} (scheduled for deletion)"
      aws secretsmanager restore-secret --secret-id "${secret_id}" >/dev/null
    fi
    aws secretsmanager put-secret-value --secret-id "${secret_id}" \
      --secret-string "file://$(kubeconfig_file)" >/dev/null
    info "stored a new version of secret ${secret_id}"
  else
    aws secretsmanager create-secret --name "${secret_id}" \
      --description "Admin kubeconfig of Slipway environment $(environment_prefix)" \
      --kms-key-id "${SLIPWAY_SECRETS_KMS_KEY_ID}" \
      --secret-string "file://$(kubeconfig_file)" \
      --tags "Key=organization,Value=${SLIPWAY_ORGANIZATION}" "Key=environment,Value=${SLIPWAY_ENVIRONMENT}" \
      "Key=managed-by,Value=slipway" >/dev/null
    info "created secret ${secret_id}"
  fi
  rm -f "$(kubeconfig_file)"
}

main() {
  ensure_phase_dir
  # The admin kubeconfig leaves the build host through Secrets Manager or not at all: whatever
  # happens below (a failed build, a malformed report), no copy outlives this step.
  trap 'rm -f "$(kubeconfig_file)"' EXIT
  # The buildspec sources the exports file after this script, whatever happened before.
  touch "$(exports_file)"
  # post_build runs even when build failed: a half-built cluster must not be reported as ready.
  if [[ "${CODEBUILD_BUILD_SUCCEEDING:-1}" != "1" ]]; then
    info "build did not succeed; not reporting cluster readiness"
    return 0
  fi
  require_cmd jq aws ansible-playbook
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_SECRETS_KMS_KEY_ID
  local nodes_ready cilium_status secret_id
  collect_cluster_report
  nodes_ready="$(check_nodes_ready)"
  info "nodes ready: ${nodes_ready}"
  cilium_status="$(check_cilium_health)"
  info "cilium: ${cilium_status}"
  secret_id="$(kubeconfig_secret_id)"
  store_kubeconfig "${secret_id}"
  record_export KUBECONFIG_SECRET_ID "${secret_id}"
  record_export NODES_READY "${nodes_ready}"
  record_export CILIUM_STATUS "${cilium_status}"
}

main "$@"
