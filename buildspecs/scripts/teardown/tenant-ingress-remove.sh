#!/usr/bin/env bash
# build, after tenant-prune-wait.sh: a shared cluster's TENANT on a cluster with an ingress gives
# back what its ArgoCD phase set up (scripts/argocd/tenant-ingress.sh): its organization's
# certificate leaves the cluster's TLS listener, the alias record *.<org>.<domain> leaves the
# hosted zone, and the certificate tagged for this cluster and organization (managed-by=slipway,
# slipway-cluster, slipway-org: never another) is deleted. Each step treats "already gone" as done,
# so a resumed teardown passes again. The validation CNAME stays: ACM derives it from the name and
# the account, so another certificate for the same name (a later tenant) would validate with it.
# Any other teardown does nothing here.
set -euo pipefail

# shellcheck source=../argocd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../argocd/ingress-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/ingress-lib.sh"
# shellcheck source=../argocd/tunnel.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/tunnel.sh"

# A certificate is in use until the listener has let it go: retried, bounded like the prune wait.
DELETE_TIMEOUT="${ARGOCD_PRUNE_TIMEOUT:-600}"
DELETE_POLL_SECONDS="${ARGOCD_PRUNE_POLL_SECONDS:-10}"

remove_listener_certificate() {
  local arn="$1" output
  if output="$(aws elbv2 remove-listener-certificates --region "${INGRESS_REGION}" --listener-arn "${INGRESS_LISTENER_ARN}" \
    --certificates "CertificateArn=${arn}" --output json 2>&1)"; then
    info "${arn} is off the TLS listener ${INGRESS_LISTENER_ARN}"
  elif [[ "${output}" == *CertificateNotFound* || "${output}" == *ListenerNotFound* ]]; then
    info "${arn} was not on the TLS listener ${INGRESS_LISTENER_ARN}"
  else
    error "could not remove ${arn} from ${INGRESS_LISTENER_ARN}: ${output}"
    return 1
  fi
}

remove_alias_record() {
  local output
  if output="$(change_alias_record DELETE 2>&1)"; then
    info "alias ${INGRESS_HOST} deleted from ${INGRESS_ZONE}"
  elif [[ "${output}" == *InvalidChangeBatch* && "${output}" == *"not found"* ]]; then
    info "no alias ${INGRESS_HOST} in ${INGRESS_ZONE}"
  else
    error "could not delete the alias ${INGRESS_HOST} from ${INGRESS_ZONE}: ${output}"
    return 1
  fi
}

delete_certificate() {
  local arn="$1" output checks check=0
  checks="$(bounded_checks "${DELETE_TIMEOUT}" "${DELETE_POLL_SECONDS}")"
  while ((check < checks)); do
    check=$((check + 1))
    if output="$(aws acm delete-certificate --region "${INGRESS_REGION}" --certificate-arn "${arn}" 2>&1)"; then
      info "ACM certificate ${arn} (${INGRESS_HOST}) deleted"
      return 0
    fi
    if [[ "${output}" == *ResourceNotFoundException* ]]; then
      info "ACM certificate ${arn} was already deleted"
      return 0
    fi
    if [[ "${output}" != *ResourceInUseException* ]]; then
      error "could not delete ACM certificate ${arn}: ${output}"
      return 1
    fi
    if ((check < checks && DELETE_POLL_SECONDS > 0)); then
      pause "${DELETE_POLL_SECONDS}"
    fi
  done
  error "ACM certificate ${arn} (${INGRESS_HOST}) is still in use after ${checks} attempts (ARGOCD_PRUNE_TIMEOUT ${DELETE_TIMEOUT}s)"
  return 1
}

main() {
  if ! tenant_ingress_wanted; then
    info "no shared-cluster tenant ingress to remove (part $(argocd_part)): nothing to do"
    return 0
  fi
  if [[ ! -f "$(tf_outputs_file)" ]]; then
    info "no Terraform outputs of the shared cluster: no listener or alias to remove"
    return 0
  fi
  require_cmd jq aws
  require_env SLIPWAY_ORGANIZATION SLIPWAY_SPEC
  load_tenant_ingress
  local -a arns=()
  local arn found
  found="$(tagged_certificates PENDING_VALIDATION ISSUED INACTIVE EXPIRED VALIDATION_TIMED_OUT REVOKED FAILED)"
  [[ -z "${found}" ]] || mapfile -t arns <<<"${found}"
  for arn in "${arns[@]}"; do
    remove_listener_certificate "${arn}"
  done
  remove_alias_record
  for arn in "${arns[@]}"; do
    delete_certificate "${arn}"
  done
  info "shared-cluster tenant ingress of ${INGRESS_ORG} on ${INGRESS_CLUSTER} removed (${#arns[@]} certificates)"
}

main "$@"
