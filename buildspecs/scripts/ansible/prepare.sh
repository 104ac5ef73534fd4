#!/usr/bin/env bash
# pre_build: fetches the Terraform outputs of this run, builds the inventory from them, writes the
# settings the playbooks take from the environment spec, then lints and syntax-checks the playbooks
# before anything touches a node.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fetch_terraform_outputs() {
  local key
  if ! key="$(previous_output TF_OUTPUTS_S3_KEY)"; then
    error "SLIPWAY_PREVIOUS_OUTPUTS has no TF_OUTPUTS_S3_KEY: did the terraform phase publish its outputs?"
    return 1
  fi
  info "fetching terraform outputs s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}"
  aws s3 cp "s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}" "$(tf_outputs_file)" --only-show-errors
}

build_inventory() {
  python3 "${ANSIBLE_DIR}/inventory/from-terraform.py" --outputs "$(tf_outputs_file)" --inventory "$(inventory_file)"
}

# The spec's versions and networks become --extra-vars (highest precedence, over group_vars).
write_extra_vars() {
  local kubernetes_version cilium_version pod_cidr service_cidr oidc
  kubernetes_version="$(spec_get '.kubernetesVersion')"
  cilium_version="$(spec_get '.ciliumVersion')"
  pod_cidr="$(spec_get '.network.podCidr')"
  service_cidr="$(spec_get '.network.serviceCidr')"
  oidc="$(oidc_extra_vars)"
  jq -n \
    --arg kubernetes_version "${kubernetes_version}" \
    --arg cilium_version "${cilium_version}" \
    --arg pod_cidr "${pod_cidr}" \
    --arg service_cidr "${service_cidr}" \
    --arg kubeconfig "$(kubeconfig_file)" \
    --argjson oidc "${oidc}" \
    '$oidc + {
      slipway_kubernetes_version: $kubernetes_version,
      slipway_cilium_version: $cilium_version,
      slipway_pod_cidr: $pod_cidr,
      slipway_service_cidr: $service_cidr,
      k8s_control_plane_kubeconfig_local_path: $kubeconfig
    }' >"$(extra_vars_file)"
  info "kubernetes ${kubernetes_version}, cilium ${cilium_version}, pods ${pod_cidr}, services ${service_cidr}"
}

lint_playbooks() {
  info "ansible-lint (production profile)"
  (cd "${ANSIBLE_DIR}" && ansible-lint --offline)
}

syntax_check_playbooks() {
  local playbook
  for playbook in "${ANSIBLE_DIR}"/playbooks/*.yml; do
    info "syntax check ${playbook##*/}"
    run_playbook --syntax-check "${playbook}"
  done
}

main() {
  require_cmd jq aws python3 ansible-playbook ansible-lint
  require_env SLIPWAY_SPEC SLIPWAY_PREVIOUS_OUTPUTS SLIPWAY_ARTIFACT_BUCKET SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  ensure_phase_dir
  fetch_terraform_outputs
  build_inventory
  write_extra_vars
  lint_playbooks
  syntax_check_playbooks
}

main "$@"
