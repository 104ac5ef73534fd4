#!/usr/bin/env bash
# build: runs site.yml - kubeadm cluster, Cilium, readiness gate - over SSM, and copies the admin
# kubeconfig to the phase directory (never to the log).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_site() {
  info "running site.yml for $(environment_prefix)"
  run_playbook "${ANSIBLE_DIR}/playbooks/site.yml"
}

main() {
  require_cmd ansible-playbook session-manager-plugin
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  require_oidc_settings
  if [[ ! -s "$(inventory_file)" || ! -s "$(extra_vars_file)" ]]; then
    error "inventory or extra vars missing in ${PHASE_DIR}: pre_build did not complete"
    return 1
  fi
  run_site
}

main "$@"
