#!/usr/bin/env bash
# build: plans into a file and applies exactly that plan, so what runs is what was planned
# (and logged) — never a second, silently different plan.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Waits briefly for the S3 lock file a just-finished build may still be releasing.
readonly LOCK_TIMEOUT="${TF_LOCK_TIMEOUT:-60s}"

plan_changes() {
  local dir="$1"
  info "planning ${dir} for $(environment_prefix)"
  terraform -chdir="${dir}" plan -input=false -lock-timeout="${LOCK_TIMEOUT}" -out=tfplan
}

apply_plan() {
  local dir="$1"
  info "applying the saved plan for $(environment_prefix)"
  terraform -chdir="${dir}" apply -input=false -lock-timeout="${LOCK_TIMEOUT}" tfplan
}

main() {
  require_cmd terraform jq
  require_env SLIPWAY_SPEC SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  local dir
  dir="$(terraform_env_dir)"
  plan_changes "${dir}"
  apply_plan "${dir}"
}

main "$@"
