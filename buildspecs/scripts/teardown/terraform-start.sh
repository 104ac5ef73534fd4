#!/usr/bin/env bash
# pre_build, first step of the terraform teardown: starts the phase's exports (nothing skipped, no
# status yet), so the buildspec can source the exports file after every later step, whatever they
# record, and a reused source directory carries nothing over from an earlier build.
set -euo pipefail

# shellcheck source=../terraform/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../terraform/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  mkdir -p "$(dirname "$(exports_file)")"
  start_teardown_exports
  record_export TF_STATE_BACKUP_S3_KEY ""
  record_export RESOURCES_DESTROYED ""
  info "tearing down the Terraform resources of $(environment_prefix) (run ${SLIPWAY_RUN_ID:-manual})"
}

main "$@"
