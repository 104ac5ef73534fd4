#!/usr/bin/env bash
# build of the ansible teardown: runs cluster-reset.yml over SSM on the nodes pre_build found
# online (--limit), with the provisioning phase's inventory and settings (scripts/ansible/lib.sh
# run_playbook), and exports how many nodes were reset.
set -euo pipefail

# shellcheck source=../ansible/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../ansible/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=ansible-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/ansible-lib.sh"

reset_cluster() {
  local listing total
  local -a nodes
  listing="$(<"$(reset_nodes_file)")"
  mapfile -t nodes <<<"${listing}"
  total="$(jq -er '[.all.children.k8s_cluster.children[].hosts | keys[]] | length' "$(inventory_file)")"
  info "running cluster-reset.yml on ${#nodes[@]} of ${total} nodes of $(environment_prefix)"
  run_playbook "${ANSIBLE_DIR}/playbooks/cluster-reset.yml" --limit "$(IFS=,; printf '%s' "${nodes[*]}")"
  record_export NODES_RESET "${#nodes[@]}/${total}"
  record_export TEARDOWN_STATUS DONE
}

main() {
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  if step_skipped "$(reset_step)"; then
    record_export TEARDOWN_STATUS SKIPPED
    return 0
  fi
  require_cmd jq ansible-playbook session-manager-plugin
  if [[ ! -s "$(reset_nodes_file)" || ! -s "$(inventory_file)" || ! -s "$(extra_vars_file)" ]]; then
    error "node list, inventory or extra vars missing in ${PHASE_DIR}: pre_build did not complete"
    return 1
  fi
  reset_cluster
}

main "$@"
