#!/usr/bin/env bash
# build of the terraform teardown, after the provisioning phase's own render-tfvars.sh, init.sh and
# backup-state.sh: plans the destruction of everything in this environment's state into a file,
# applies exactly that plan, and checks that the state is empty afterwards. The root configuration
# is whatever scripts/terraform/lib.sh says it is for the spec (terraform_env_dir): this script
# knows no path of its own.
set -euo pipefail

# shellcheck source=../terraform/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../terraform/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly LOCK_TIMEOUT="${TF_LOCK_TIMEOUT:-60s}"
readonly DESTROY_STEP=terraform-destroy

# Succeeds when the backend holds a state object for this environment (empty or not).
state_exists() {
  local dir="$1" snapshot
  snapshot="$(terraform -chdir="${dir}" state pull)"
  [[ -n "${snapshot}" ]]
}

# No state object: fine when the terraform phase never succeeded (nothing was created, or a first
# apply failed before writing any state), but if it did succeed the state is lost and its
# resources would outlive a "successful" teardown - that fails loudly.
check_nothing_was_created() {
  local key
  if key="$(previous_output TF_OUTPUTS_S3_KEY)"; then
    error "no state at s3://${SLIPWAY_STATE_BUCKET}/$(state_key), yet the terraform phase published ${key}: the state is lost and its resources still exist; restore it from ${SLIPWAY_ARTIFACT_BUCKET}/$(environment_prefix)/state-backups/ before tearing down"
    return 1
  fi
  skip_step "${DESTROY_STEP}" "no state at s3://${SLIPWAY_STATE_BUCKET}/$(state_key) and the terraform phase never succeeded: nothing was created"
  record_export RESOURCES_DESTROYED 0
  record_export TEARDOWN_STATUS SKIPPED
}

plan_destroy() {
  local dir="$1"
  info "planning the destruction of $(environment_prefix) (${dir})"
  terraform -chdir="${dir}" plan -destroy -input=false -lock-timeout="${LOCK_TIMEOUT}" -out=tfplan
}

# The resources the saved plan deletes, counted from the plan itself.
planned_deletions() {
  local dir="$1" plan
  plan="$(terraform -chdir="${dir}" show -json tfplan)"
  jq -er '[.resource_changes // [] | .[] | select(.change.actions == ["delete"])] | length' <<<"${plan}"
}

apply_destroy() {
  local dir="$1"
  info "applying the saved destroy plan for $(environment_prefix)"
  terraform -chdir="${dir}" apply -input=false -lock-timeout="${LOCK_TIMEOUT}" tfplan
}

check_state_empty() {
  local dir="$1" left
  left="$(terraform -chdir="${dir}" state list)"
  if [[ -n "${left}" ]]; then
    error "the state still holds resources after the destroy: $(paste -s -d ' ' <<<"${left}")"
    return 1
  fi
  info "the state of $(environment_prefix) holds no resource"
}

main() {
  require_cmd terraform jq
  require_env SLIPWAY_SPEC SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_STATE_BUCKET SLIPWAY_ARTIFACT_BUCKET
  require_previous_outputs
  local dir count
  dir="$(terraform_env_dir)"
  record_export RESOURCES_DESTROYED ""
  if ! state_exists "${dir}"; then
    check_nothing_was_created
    return 0
  fi
  plan_destroy "${dir}"
  count="$(planned_deletions "${dir}")"
  info "the plan destroys ${count} resources"
  apply_destroy "${dir}"
  check_state_empty "${dir}"
  record_export RESOURCES_DESTROYED "${count}"
  record_export TEARDOWN_STATUS DONE
}

main "$@"
