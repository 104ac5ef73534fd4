#!/usr/bin/env bash
# build, last step of the argocd teardown: schedules the deletion of every Secrets Manager secret
# the phases wrote for this environment - everything named slipway/<org>/<env>/... (the ansible
# phase's kubeconfig, the bootstrap's argocd-admin, and whatever a later phase adds there) - with a
# recovery window, never --force-delete-without-recovery: these secrets go before the cluster does,
# so when a later teardown phase fails, the environment ends DELETE_FAILED with a running cluster
# whose admin kubeconfig can still be restored (restore-secret; the ansible phase restores it
# itself when the environment is provisioned again). Secrets already scheduled count as deleted.
set -euo pipefail

# shellcheck source=../argocd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Days before Secrets Manager deletes a scheduled secret for good (AWS allows 7 to 30).
RECOVERY_DAYS="${SLIPWAY_SECRET_RECOVERY_DAYS:-7}"

secrets_prefix() { printf 'slipway/%s/' "$(environment_prefix)"; }

check_recovery_window() {
  if [[ ! "${RECOVERY_DAYS}" =~ ^[0-9]+$ ]] || ((RECOVERY_DAYS < 7 || RECOVERY_DAYS > 30)); then
    error "SLIPWAY_SECRET_RECOVERY_DAYS is '${RECOVERY_DAYS}'; Secrets Manager accepts 7 to 30 days"
    return 1
  fi
}

# Names only (the CLI pages through every result). The name filter is a case-insensitive prefix
# match, so the exact prefix is checked again; secrets already scheduled for deletion are not listed.
list_environment_secrets() {
  local prefix listing
  prefix="$(secrets_prefix)"
  listing="$(aws secretsmanager list-secrets --filters "Key=name,Values=${prefix}" --query 'SecretList[].Name' --output json)"
  jq -r --arg prefix "${prefix}" '(. // [])[] | select(startswith($prefix))' <<<"${listing}"
}

# A secret deleted or scheduled between the listing and this call is already what we want. The
# deletion date is the command's stdout alone: its stderr (a CLI warning, local mode's
# "[simulated]" line) is passed on to the build log as it is, and read only to tell why a call failed.
delete_secret() {
  local secret_id="$1" deletion_date output errors status=0
  errors="$(mktemp)"
  deletion_date="$(aws secretsmanager delete-secret --secret-id "${secret_id}" \
    --recovery-window-in-days "${RECOVERY_DAYS}" --query DeletionDate --output text 2>"${errors}")" || status=$?
  output="$(<"${errors}")"
  rm -f "${errors}"
  if ((status == 0)); then
    if [[ -n "${output}" ]]; then
      printf '%s\n' "${output}" >&2
    fi
    info "secret ${secret_id} is scheduled for deletion on ${deletion_date} (restorable until then)"
    return 0
  fi
  if [[ "${output}" == *ResourceNotFoundException* || "${output}" == *"marked for deletion"* ]]; then
    info "secret ${secret_id} is already deleted"
    return 0
  fi
  error "could not delete secret ${secret_id}: ${output}"
  return 1
}

delete_environment_secrets() {
  local listing secret_id deleted=0
  local -a secrets=()
  listing="$(list_environment_secrets)"
  if [[ -n "${listing}" ]]; then
    mapfile -t secrets <<<"${listing}"
  fi
  if ((${#secrets[@]} == 0)); then
    info "no secret under $(secrets_prefix) (already deleted, or never written)"
  fi
  for secret_id in "${secrets[@]}"; do
    delete_secret "${secret_id}"
    deleted=$((deleted + 1))
  done
  record_export SECRETS_DELETED "${deleted}"
  record_export TEARDOWN_STATUS DONE
}

main() {
  require_cmd aws jq
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT
  protect_push_credential
  protect_kubeconfig
  check_recovery_window
  delete_environment_secrets
}

main "$@"
