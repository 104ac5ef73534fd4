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

# Every node of the inventory registered and every registered node Ready; prints "<ready>/<expected>".
check_nodes_ready() {
  local expected registered ready
  expected="$(jq -er '[.all.children.k8s_cluster.children[].hosts | keys[]] | length' "$(inventory_file)")"
  registered="$(jq -er '.items | length' "$(report_dir)/nodes.json")"
  ready="$(jq -er '[.items[] | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))] | length' \
    "$(report_dir)/nodes.json")"
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
  problems="$(jq -er '
    [ (if ((.pod_state.cilium.Desired // 0) > 0) then empty else "no cilium agent pods desired" end),
      (.pod_state // {} | to_entries[]
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
