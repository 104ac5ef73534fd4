#!/usr/bin/env bash
# pre_build: copies the current state to the artifact bucket before anything changes it, so a
# failed apply can be rolled back to exactly what this run started from. Exports its S3 key.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The snapshot may hold resource attributes worth protecting: never leave it behind.
SNAPSHOT="$(mktemp)"
trap 'rm -f "${SNAPSHOT}"' EXIT

backup_state() {
  local dir="$1" snapshot="${SNAPSHOT}" key
  terraform -chdir="${dir}" state pull >"${snapshot}"
  if [[ ! -s "${snapshot}" ]]; then
    # A first run has no state object yet: nothing to back up, and not an error.
    info "no state at s3://${SLIPWAY_STATE_BUCKET}/$(state_key) yet; skipping the backup"
    record_export TF_STATE_BACKUP_S3_KEY ""
    return 0
  fi
  key="$(state_backup_key)"
  aws s3 cp "${snapshot}" "s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}" --only-show-errors
  info "backed up state (serial $(jq -r '.serial' "${snapshot}")) to s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}"
  record_export TF_STATE_BACKUP_S3_KEY "${key}"
}

main() {
  require_cmd terraform jq aws
  require_env SLIPWAY_SPEC SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_RUN_ID SLIPWAY_STATE_BUCKET SLIPWAY_ARTIFACT_BUCKET
  local dir
  dir="$(terraform_env_dir)"
  backup_state "${dir}"
}

main "$@"
