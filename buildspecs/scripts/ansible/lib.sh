#!/usr/bin/env bash
# Helpers of the ansible phase scripts. Sourced, never executed. Paths are relative to the working
# directory, which CodeBuild sets to the source root ($CODEBUILD_SRC_DIR).

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

ANSIBLE_DIR="${ANSIBLE_DIR:-${PWD}/gitops/ansible}"
# Everything this phase produces at run time (outputs, inventory, reports, exports). The
# kubeconfig passes through here too, mode 0600; post_build (report.sh) removes it, stored or not.
PHASE_DIR="${ANSIBLE_PHASE_DIR:-${ANSIBLE_DIR}/.phase}"

# shellcheck source=../lib/phase-dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/phase-dir.sh"
# shellcheck source=../lib/exports.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/exports.sh"
# shellcheck source=../lib/handoffs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/handoffs.sh"

inventory_file() { printf '%s/inventory.json' "${PHASE_DIR}"; }
extra_vars_file() { printf '%s/extra-vars.json' "${PHASE_DIR}"; }
report_dir() { printf '%s/report' "${PHASE_DIR}"; }

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
