#!/usr/bin/env bash
# build, first step: a shared cluster's TENANT on a cluster with an ingress gets, idempotently, what
# the cluster's Terraform gives a dedicated environment's organization (modules/ingress): an ACM
# certificate *.<org>.<domain> tagged managed-by=slipway, slipway-cluster, slipway-org (reused when
# one exists, else requested with an idempotency token), its DNS validation CNAME UPSERTed in the
# hosted zone, a bounded wait until ACM has ISSUED it, the certificate on the cluster's TLS listener
# (SNI; Terraform output ingress_tls_listener_arn of the cluster's run, handed on to the tenant) and
# the alias A record *.<org>.<domain> to the cluster's load balancer. Any other run does nothing here.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=ingress-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/ingress-lib.sh"
# shellcheck source=tunnel.sh
source "$(dirname "${BASH_SOURCE[0]}")/tunnel.sh"

# ACM validates a DNS record within minutes once it resolves; the wait is bounded: at most
# TIMEOUT / POLL checks, POLL seconds apart (0 in tests: no sleep).
CERTIFICATE_TIMEOUT="${ARGOCD_CERTIFICATE_TIMEOUT:-900}"
CERTIFICATE_POLL_SECONDS="${ARGOCD_CERTIFICATE_POLL_SECONDS:-15}"

# The tenant's certificate: the one tagged for this cluster and organization, pending or issued,
# else a new request (same token: a retried build within the hour gets the same certificate).
ensure_certificate() {
  local arn
  arn="$(tagged_certificates PENDING_VALIDATION ISSUED | head -n 1)"
  if [[ -n "${arn}" ]]; then
    info "reusing ACM certificate ${arn} for ${INGRESS_HOST}" >&2
    printf '%s' "${arn}"
    return 0
  fi
  arn="$(aws acm request-certificate --region "${INGRESS_REGION}" --domain-name "${INGRESS_HOST}" \
    --validation-method DNS --idempotency-token "$(ingress_idempotency_token)" \
    --tags "Key=managed-by,Value=slipway" "Key=slipway-cluster,Value=${INGRESS_CLUSTER}" \
    "Key=slipway-org,Value=${INGRESS_ORG}" --query CertificateArn --output text)"
  ingress_check 'the requested certificate' "${arn}" "${INGRESS_CERTIFICATE_RE}"
  info "requested ACM certificate ${arn} for ${INGRESS_HOST}" >&2
  printf '%s' "${arn}"
}

describe_certificate() {
  aws acm describe-certificate --region "${INGRESS_REGION}" --certificate-arn "$1" --output json
}

# Polls CERTIFICATE until ACM has published its validation record, UPSERTs it (CNAME) in the
# hosted zone, then polls until the certificate is ISSUED. Fails naming the certificate when ACM
# refuses it or the bound runs out.
validate_certificate() {
  local arn="$1" checks check=0 description status record="" batch="${PHASE_DIR}/ingress-validation-change.json"
  checks="$(bounded_checks "${CERTIFICATE_TIMEOUT}" "${CERTIFICATE_POLL_SECONDS}")"
  while ((check < checks)); do
    check=$((check + 1))
    description="$(describe_certificate "${arn}")"
    status="$(jq -r '.Certificate.Status' <<<"${description}")"
    case "${status}" in
      ISSUED)
        info "ACM certificate ${arn} (${INGRESS_HOST}) is ISSUED"
        return 0
        ;;
      PENDING_VALIDATION) ;;
      *)
        error "ACM certificate ${arn} (${INGRESS_HOST}) is ${status}: $(jq -r '.Certificate.FailureReason // "no reason given"' <<<"${description}")"
        return 1
        ;;
    esac
    if [[ -z "${record}" ]] && record="$(jq -ce '.Certificate.DomainValidationOptions[0].ResourceRecord | select(.Type == "CNAME" and (.Name | type == "string") and (.Value | type == "string"))' <<<"${description}")"; then
      jq -n --argjson record "${record}" '{
        Comment: "Slipway: ACM DNS validation of a shared-cluster tenant certificate",
        Changes: [{Action: "UPSERT", ResourceRecordSet: {Name: $record.Name, Type: "CNAME", TTL: 300,
          ResourceRecords: [{Value: $record.Value}]}}]
      }' >"${batch}"
      aws route53 change-resource-record-sets --hosted-zone-id "${INGRESS_ZONE}" --change-batch "file://${batch}" --output json >/dev/null
      info "validation record $(jq -r .Name <<<"${record}") UPSERTed in ${INGRESS_ZONE}"
    fi
    if ((check < checks && CERTIFICATE_POLL_SECONDS > 0)); then
      pause "${CERTIFICATE_POLL_SECONDS}"
    fi
  done
  local where="ACM published no validation record"
  [[ -z "${record}" ]] || where="its validation record $(jq -r .Name <<<"${record}") is in ${INGRESS_ZONE}"
  error "ACM certificate ${arn} (${INGRESS_HOST}) is not ISSUED after ${checks} checks (ARGOCD_CERTIFICATE_TIMEOUT ${CERTIFICATE_TIMEOUT}s): ${where}"
  return 1
}

main() {
  if ! tenant_ingress_wanted; then
    info "no shared-cluster tenant ingress to set up (part $(argocd_part)): nothing to do"
    return 0
  fi
  require_cmd jq aws sha256sum
  require_env SLIPWAY_ORGANIZATION SLIPWAY_SPEC
  ensure_phase_dir
  load_tenant_ingress
  local arn
  arn="$(ensure_certificate)"
  validate_certificate "${arn}"
  # Adding a certificate the listener already has is a no-op.
  aws elbv2 add-listener-certificates --region "${INGRESS_REGION}" --listener-arn "${INGRESS_LISTENER_ARN}" \
    --certificates "CertificateArn=${arn}" --output json >/dev/null
  info "${arn} is on the TLS listener ${INGRESS_LISTENER_ARN} (SNI ${INGRESS_HOST})"
  change_alias_record UPSERT >/dev/null
  info "alias ${INGRESS_HOST} -> ${INGRESS_LB_DNS} UPSERTed in ${INGRESS_ZONE}"
}

main "$@"
