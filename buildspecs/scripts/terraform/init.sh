#!/usr/bin/env bash
# pre_build: formatting gate, backend initialisation and static validation of the root
# configuration of the spec's tier.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check_format() {
  info "checking terraform fmt under ${TF_ROOT}"
  if ! terraform fmt -check -recursive "${TF_ROOT}"; then
    error "terraform files above are not formatted; run terraform fmt -recursive ${TF_ROOT}"
    return 1
  fi
}

# The committed lock file pins the provider release and its package hashes (zh: archive digests
# for every platform, h1: for linux_amd64). -lockfile=readonly makes init refuse a package that
# matches none of them, and refuse to record new ones, instead of trusting whatever it downloads.
check_lock_file() {
  local dir="$1" lock="$1/.terraform.lock.hcl"
  if [[ ! -s "${lock}" ]] || ! grep -q 'provider "registry.terraform.io/hashicorp/aws"' "${lock}"; then
    error "${lock} is missing or does not pin hashicorp/aws; commit it (terraform providers lock) before running the phase"
    return 1
  fi
  if ! grep -q '"zh:' "${lock}"; then
    error "${lock} holds no zh: package hashes, so this $(uname -m) build cannot verify the provider it downloads"
    return 1
  fi
}

# The backend block is partial: the state bucket, this environment's key and the bucket's region
# are supplied here, so one root configuration serves every organization.
init_backend() {
  local dir="$1"
  info "initialising ${dir} with state s3://${SLIPWAY_STATE_BUCKET}/$(state_key)"
  terraform -chdir="${dir}" init -input=false -reconfigure -lockfile=readonly \
    -backend-config="bucket=${SLIPWAY_STATE_BUCKET}" \
    -backend-config="key=$(state_key)" \
    -backend-config="region=${AWS_REGION}" \
    -backend-config="use_lockfile=true" \
    -backend-config="encrypt=true"
}

validate_configuration() {
  local dir="$1"
  info "validating ${dir}"
  terraform -chdir="${dir}" validate -no-color
}

main() {
  require_cmd terraform jq
  require_env SLIPWAY_SPEC SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_STATE_BUCKET AWS_REGION
  local dir
  dir="$(terraform_env_dir)"
  check_format
  check_lock_file "${dir}"
  init_backend "${dir}"
  validate_configuration "${dir}"
}

main "$@"
