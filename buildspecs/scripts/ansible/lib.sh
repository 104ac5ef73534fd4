#!/usr/bin/env bash
# Helpers of the ansible phase scripts. Sourced, never executed. Paths are relative to the working
# directory, which CodeBuild sets to the source root ($CODEBUILD_SRC_DIR).

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

ANSIBLE_DIR="${ANSIBLE_DIR:-${PWD}/gitops/ansible}"
# Everything this phase produces at run time (outputs, inventory, reports, exports). The
# kubeconfig passes through here too, mode 0600, and is removed once it is in Secrets Manager.
PHASE_DIR="${ANSIBLE_PHASE_DIR:-${ANSIBLE_DIR}/.phase}"

tf_outputs_file() { printf '%s/terraform-outputs.json' "${PHASE_DIR}"; }
inventory_file() { printf '%s/inventory.json' "${PHASE_DIR}"; }
extra_vars_file() { printf '%s/extra-vars.json' "${PHASE_DIR}"; }
kubeconfig_file() { printf '%s/kubeconfig' "${PHASE_DIR}"; }
report_dir() { printf '%s/report' "${PHASE_DIR}"; }
# A script runs in its own process and cannot export into the buildspec's shell, so the values
# CodeBuild must export are appended to this file and the buildspec sources it afterwards.
exports_file() { printf '%s/exports.env' "${PHASE_DIR}"; }

ensure_phase_dir() {
  mkdir -p "${PHASE_DIR}"
  chmod 0700 "${PHASE_DIR}"
}

record_export() {
  local name="$1" value="$2"
  printf 'export %s=%q\n' "${name}" "${value}" >>"$(exports_file)"
}

kubeconfig_secret_id() {
  printf 'slipway/%s/kubeconfig' "$(environment_prefix)"
}

# ansible-playbook from the Ansible project directory (its ansible.cfg), against the inventory
# built from the Terraform outputs, with the settings taken from the environment spec.
run_playbook() {
  (
    cd "${ANSIBLE_DIR}" || return
    ANSIBLE_CONFIG="${ANSIBLE_DIR}/ansible.cfg" ansible-playbook \
      --inventory "$(inventory_file)" \
      --extra-vars "@$(extra_vars_file)" \
      "$@"
  )
}
