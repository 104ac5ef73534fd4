#!/usr/bin/env bash
# pre_build: turns the environment spec (SLIPWAY_SPEC, JSON) into slipway.auto.tfvars.json in the
# root configuration of the spec's tier, which Terraform loads without a -var-file flag.
# SLIPWAY_NODE_PERMISSIONS_BOUNDARY (a static variable of the phase's CodeBuild project) becomes
# permissions_boundary_arn, which every IAM role Terraform creates carries. TFVARS_OUT overrides
# the destination (tests).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Field names follow functions/domain/environment-spec.ts; the mapping lives in a jq file.
TFVARS_FILTER="$(dirname "${BASH_SOURCE[0]}")/render-tfvars.jq"
readonly TFVARS_FILTER

render_tfvars() {
  local out="$1" tfvars
  if ! tfvars="$(jq --arg organization "${SLIPWAY_ORGANIZATION}" \
    --arg environment "${SLIPWAY_ENVIRONMENT}" \
    --arg ssm_transfer_bucket "${SLIPWAY_ARTIFACT_BUCKET}" \
    --arg permissions_boundary_arn "${SLIPWAY_NODE_PERMISSIONS_BOUNDARY}" \
    --from-file "${TFVARS_FILTER}" <<<"${SLIPWAY_SPEC}")"; then
    error "cannot turn SLIPWAY_SPEC into Terraform variables (see the jq message above)"
    return 1
  fi
  printf '%s\n' "${tfvars}" >"${out}"
  info "wrote ${out} for $(environment_prefix) (tier $(spec_get '.tier'))"
}

main() {
  require_cmd jq
  # The boundary has no default: the phase's role may create no IAM role without it, so a
  # project without the variable fails here, naming it, instead of at the first CreateRole.
  require_env SLIPWAY_SPEC SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_ARTIFACT_BUCKET \
    SLIPWAY_NODE_PERMISSIONS_BOUNDARY
  local dir
  dir="$(terraform_env_dir)"
  render_tfvars "${TFVARS_OUT:-${dir}/slipway.auto.tfvars.json}"
}

main "$@"
