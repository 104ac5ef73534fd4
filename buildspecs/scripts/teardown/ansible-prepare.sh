#!/usr/bin/env bash
# pre_build of the ansible teardown: the provisioning phase's own pre_build (scripts/ansible/
# prepare.sh: Terraform outputs, inventory, extra vars, ansible-lint and syntax checks, which cover
# cluster-reset.yml), then the nodes of that inventory that SSM still reaches. An environment
# whose terraform phase never succeeded has no nodes: the reset is skipped, saying why. Nodes that
# are gone (terminated, stopped, agent offline) are left out, each named in the log.
set -euo pipefail

# shellcheck source=../ansible/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ansible/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=ansible-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/ansible-lib.sh"

# The instance ids of the inventory's k8s_cluster hosts, one per line.
inventory_nodes() {
  jq -er '[.all.children.k8s_cluster.children[].hosts | keys[]] | select(length > 0) | .[]' "$(inventory_file)"
}

# The nodes among them whose SSM agent is online, one per line, in inventory order.
online_nodes() {
  local region online
  local -a nodes=("$@")
  region="$(jq -er '.region.value' "$(tf_outputs_file)")"
  # shellcheck disable=SC2016 # a JMESPath literal in backquotes, not a command substitution
  online="$(aws ssm describe-instance-information --region "${region}" \
    --filters "Key=InstanceIds,Values=$(IFS=,; printf '%s' "${nodes[*]}")" \
    --query 'InstanceInformationList[?PingStatus==`Online`].InstanceId' --output json)"
  jq -r --argjson nodes "$(printf '%s\n' "${nodes[@]}" | jq -R . | jq -s .)" \
    '. as $online | $nodes[] | select(. as $node | $online | index($node))' <<<"${online}"
}

select_reachable_nodes() {
  local listing node reachable
  local -a nodes online
  listing="$(inventory_nodes)"
  mapfile -t nodes <<<"${listing}"
  reachable="$(online_nodes "${nodes[@]}")"
  online=()
  if [[ -n "${reachable}" ]]; then
    mapfile -t online <<<"${reachable}"
  fi
  for node in "${nodes[@]}"; do
    if [[ " ${online[*]} " != *" ${node} "* ]]; then
      info "node ${node} is not online in SSM (terminated, stopped or agent down): nothing to reset there"
    fi
  done
  printf '%s\n' "${online[@]}" >"$(reset_nodes_file)"
  record_export NODES_RESET "0/${#nodes[@]}"
  if ((${#online[@]} == 0)); then
    : >"$(reset_nodes_file)"
    skip_step "$(reset_step)" "none of the ${#nodes[@]} nodes of the inventory is online in SSM"
    return 0
  fi
  info "${#online[@]} of ${#nodes[@]} nodes are online in SSM and will be reset"
}

main() {
  require_cmd jq aws
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  require_previous_outputs
  ensure_phase_dir
  start_teardown_exports
  record_export NODES_RESET ""
  rm -f "$(reset_nodes_file)"
  if ! previous_output TF_OUTPUTS_S3_KEY >/dev/null; then
    skip_step "$(reset_step)" "SLIPWAY_PREVIOUS_OUTPUTS has no TF_OUTPUTS_S3_KEY: the terraform phase never succeeded, so there are no nodes to reset"
    record_export TEARDOWN_STATUS SKIPPED
    return 0
  fi
  bash "$(dirname "${BASH_SOURCE[0]}")/../ansible/prepare.sh"
  select_reachable_nodes
}

main "$@"
