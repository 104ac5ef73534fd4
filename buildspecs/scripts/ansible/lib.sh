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

# kube-apiserver's OpenID Connect issuer and client id (the stack's Cognito user pool and app
# client), as extra vars. Required to provision (provision.sh refuses to run site.yml without
# them: every OIDC group binding would be inert); the teardown, which shares prepare.sh, needs
# none, so an unset issuer gives no variables here. SLIPWAY_OIDC_ISSUER_URL=disabled builds the
# cluster without OIDC on purpose (admin kubeconfig only), and says so.
oidc_extra_vars() {
  if [[ -z "${SLIPWAY_OIDC_ISSUER_URL:-}" ]]; then
    jq -n '{}'
    return 0
  fi
  if [[ "${SLIPWAY_OIDC_ISSUER_URL}" == "disabled" ]]; then
    info "WARNING - OIDC disabled (SLIPWAY_OIDC_ISSUER_URL=disabled): only the admin kubeconfig can reach the API" >&2
    jq -n '{slipway_oidc_enabled: false}'
    return 0
  fi
  if [[ ! "${SLIPWAY_OIDC_ISSUER_URL}" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%/-]*)?$ ]]; then
    error "SLIPWAY_OIDC_ISSUER_URL must be an https:// issuer URL, got '${SLIPWAY_OIDC_ISSUER_URL}'"
    return 1
  fi
  if [[ -z "${SLIPWAY_OIDC_CLIENT_ID:-}" ]]; then
    error "SLIPWAY_OIDC_CLIENT_ID is not set: the audience of the ID tokens kube-apiserver accepts (the user pool's app client id)"
    return 1
  fi
  jq -n --arg issuer "${SLIPWAY_OIDC_ISSUER_URL}" --arg client "${SLIPWAY_OIDC_CLIENT_ID}" \
    '{slipway_oidc_enabled: true, slipway_oidc_issuer_url: $issuer, slipway_oidc_client_id: $client}'
}

# Fails, naming the variable, unless the OIDC settings are given or OIDC is disabled on purpose.
require_oidc_settings() {
  if [[ -z "${SLIPWAY_OIDC_ISSUER_URL:-}" ]]; then
    error "SLIPWAY_OIDC_ISSUER_URL is not set: kube-apiserver needs an OpenID Connect issuer (https://cognito-idp.<region>.amazonaws.com/<user pool id>), or SLIPWAY_OIDC_ISSUER_URL=disabled to build without one"
    return 1
  fi
  oidc_extra_vars >/dev/null
}
