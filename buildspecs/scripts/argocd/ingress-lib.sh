#!/usr/bin/env bash
# Helpers for a shared cluster's TENANT's ingress: its organization's ACM certificate
# *.<org>.<domain> on the cluster's TLS listener and its alias record. The cluster's Terraform
# cannot create them (it does not know its future tenants), so the tenant's ArgoCD phase does
# (tenant-ingress.sh) and its teardown undoes it (teardown/tenant-ingress-remove.sh). Sourced after
# lib.sh, never executed.
#
# Every value that reaches an aws argument is checked here first: the organization, the cluster,
# the domain and the hosted zone come from the validated spec, the listener and the load balancer
# from the cluster's Terraform outputs, but the build must not trust its environment.

readonly INGRESS_LABEL_RE='^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
readonly INGRESS_DOMAIN_RE='^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'
readonly INGRESS_ZONE_RE='^Z[A-Z0-9]{1,31}$'
readonly INGRESS_LISTENER_RE='^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener/net/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}$'
readonly INGRESS_LB_DNS_RE='^[a-z0-9][-a-z0-9.]{0,252}\.elb\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$'
readonly INGRESS_CERTIFICATE_RE='^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$'

# How many checks a bounded wait makes: TIMEOUT / POLL_SECONDS, at least one; with POLL_SECONDS 0
# (tests: no sleep) TIMEOUT checks.
bounded_checks() {
  local timeout="$1" poll_seconds="$2" checks
  checks=$((poll_seconds > 0 ? timeout / poll_seconds : timeout))
  printf '%s' "$((checks > 0 ? checks : 1))"
}

# Succeeds when there is something to do: this run is a shared cluster's tenant's and the spec (the
# cluster's, inherited) has an ingress. A dedicated environment's certificates are Terraform's.
tenant_ingress_wanted() {
  [[ "$(argocd_part)" == tenant ]] && jq -e 'has("ingress")' <<<"${SLIPWAY_SPEC}" >/dev/null
}

# The tenant's ingress, checked, as globals: INGRESS_ORG, INGRESS_CLUSTER, INGRESS_DOMAIN,
# INGRESS_ZONE, INGRESS_HOST (*.<org>.<domain>), INGRESS_REGION, INGRESS_LISTENER_ARN,
# INGRESS_LB_DNS, INGRESS_LB_ZONE. Exits the script, naming the value, on anything malformed: call
# it plainly (not in a condition, where set -e is off), after tenant_ingress_wanted.
load_tenant_ingress() {
  INGRESS_ORG="${SLIPWAY_ORGANIZATION:-}"
  INGRESS_CLUSTER="$(spec_get '.sharedCluster')"
  INGRESS_DOMAIN="$(spec_get '.ingress.domain')"
  INGRESS_ZONE="$(spec_get '.ingress.hostedZoneId')"
  ingress_check SLIPWAY_ORGANIZATION "${INGRESS_ORG}" "${INGRESS_LABEL_RE}"
  if [[ "${INGRESS_ORG}" == cluster ]]; then
    error "SLIPWAY_ORGANIZATION 'cluster' is reserved for the clusters themselves"
    exit 2
  fi
  ingress_check sharedCluster "${INGRESS_CLUSTER}" "${INGRESS_LABEL_RE}"
  ingress_check ingress.domain "${INGRESS_DOMAIN}" "${INGRESS_DOMAIN_RE}"
  if ((${#INGRESS_DOMAIN} > 190)); then
    error "ingress.domain is longer than 190 characters"
    exit 2
  fi
  ingress_check ingress.hostedZoneId "${INGRESS_ZONE}" "${INGRESS_ZONE_RE}"
  INGRESS_HOST="*.${INGRESS_ORG}.${INGRESS_DOMAIN}"
  INGRESS_REGION="$(tf_output region)"
  ingress_check 'terraform output region' "${INGRESS_REGION}" '^[a-z]{2}(-[a-z]+)+-[0-9]$'
  INGRESS_LISTENER_ARN="$(ingress_output ingress_tls_listener_arn)"
  ingress_check 'terraform output ingress_tls_listener_arn' "${INGRESS_LISTENER_ARN}" "${INGRESS_LISTENER_RE}"
  INGRESS_LB_DNS="$(ingress_output ingress_dns_name)"
  ingress_check 'terraform output ingress_dns_name' "${INGRESS_LB_DNS}" "${INGRESS_LB_DNS_RE}"
  INGRESS_LB_ZONE="$(ingress_output ingress_zone_id)"
  ingress_check 'terraform output ingress_zone_id' "${INGRESS_LB_ZONE}" "${INGRESS_ZONE_RE}"
}

ingress_check() {
  local name="$1" value="$2" pattern="$3"
  if [[ ! "${value}" =~ ${pattern} ]]; then
    error "${name} is not valid here: '${value:0:80}'"
    exit 2
  fi
}

# An ingress output of the cluster's Terraform run; older cluster runs have none: their tenants
# need the cluster's terraform phase re-run first.
ingress_output() {
  local value
  if ! value="$(jq -er --arg name "$1" '.[$name].value | select(type == "string" and . != "")' "$(tf_outputs_file)")"; then
    error "the shared cluster ${INGRESS_CLUSTER}'s Terraform outputs hold no $1: re-run the cluster's provisioning (PUT /v1/clusters/${INGRESS_CLUSTER}) so its tenants can get certificates"
    exit 1
  fi
  printf '%s' "${value}"
}

# The ACM idempotency token of this cluster and organization (at most 32 word characters): a
# retried request within ACM's hour returns the same certificate instead of a second one.
ingress_idempotency_token() {
  printf '%s/%s' "${INGRESS_CLUSTER}" "${INGRESS_ORG}" | sha256sum | cut -c1-32
}

# The ARNs of the certificates for INGRESS_HOST tagged managed-by=slipway, slipway-cluster and
# slipway-org as this tenant's, one a line, in the given statuses (the CLI pages through them all).
tagged_certificates() {
  local arn tags listing
  local -a arns
  listing="$(aws acm list-certificates --region "${INGRESS_REGION}" --certificate-statuses "$@" --output json)"
  mapfile -t arns < <(jq -r --arg host "${INGRESS_HOST}" \
    '.CertificateSummaryList[] | select(.DomainName == $host) | .CertificateArn' <<<"${listing}")
  for arn in "${arns[@]}"; do
    [[ "${arn}" =~ ${INGRESS_CERTIFICATE_RE} ]] || continue
    tags="$(aws acm list-tags-for-certificate --region "${INGRESS_REGION}" --certificate-arn "${arn}" --output json)"
    if jq -e --arg cluster "${INGRESS_CLUSTER}" --arg org "${INGRESS_ORG}" '
      (.Tags // []) | from_entries as $t
      | $t["managed-by"] == "slipway" and $t["slipway-cluster"] == $cluster and $t["slipway-org"] == $org' \
      <<<"${tags}" >/dev/null; then
      printf '%s\n' "${arn}"
    fi
  done
}

# One change of a record of INGRESS_ZONE: ACTION (UPSERT, DELETE) of the A alias INGRESS_HOST to
# the load balancer. The batch is built by jq into a file, never spliced into an argument.
change_alias_record() {
  local action="$1" batch="${PHASE_DIR}/ingress-alias-change.json"
  jq -n --arg action "${action}" --arg name "${INGRESS_HOST}" --arg dns "${INGRESS_LB_DNS}" --arg zone "${INGRESS_LB_ZONE}" '{
    Comment: "Slipway: shared-cluster tenant ingress",
    Changes: [{Action: $action, ResourceRecordSet: {Name: $name, Type: "A",
      AliasTarget: {HostedZoneId: $zone, DNSName: $dns, EvaluateTargetHealth: true}}}]
  }' >"${batch}"
  aws route53 change-resource-record-sets --hosted-zone-id "${INGRESS_ZONE}" --change-batch "file://${batch}" --output json
}
