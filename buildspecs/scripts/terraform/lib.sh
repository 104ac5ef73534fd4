#!/usr/bin/env bash
# Helpers of the terraform phase scripts. Sourced, never executed. Paths are relative to the
# working directory, which CodeBuild sets to the source root ($CODEBUILD_SRC_DIR).

# shellcheck source=../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/exports.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/exports.sh"
# shellcheck source=../lib/handoffs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/handoffs.sh"

TF_ROOT="${TF_ROOT:-gitops/terraform}"

# The one root configuration every tier applies (its tiers.tf holds what differs by tier); the
# tier is checked here so a misspelt one fails before terraform runs.
terraform_env_dir() {
  local tier
  tier="$(spec_get '.tier')"
  case "${tier}" in
    dev | staging | prod) printf '%s/environment' "${TF_ROOT}" ;;
    *)
      error "SLIPWAY_SPEC has tier '${tier}'; expected dev, staging or prod"
      return 1
      ;;
  esac
}

# Where this environment's state lives in $SLIPWAY_STATE_BUCKET.
state_key() {
  printf '%s/terraform.tfstate' "$(environment_prefix)"
}

state_backup_key() {
  printf '%s/state-backups/%s.tfstate' "$(environment_prefix)" "${SLIPWAY_RUN_ID}"
}

# Where record_export (lib/exports.sh) appends; the buildspec sources it after each script.
exports_file() {
  printf '%s' "${TF_EXPORTS_FILE:-${TF_ROOT}/.phase-exports.env}"
}
