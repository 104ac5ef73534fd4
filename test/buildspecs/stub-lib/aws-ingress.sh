#!/usr/bin/env bash
# TEST STUB (sourced by stubs-argocd/aws and stubs-teardown/aws): ACM, Route 53 and ELBv2 for a
# shared cluster's tenant ingress - no AWS account exists here. State lives under
# $STUB_INGRESS_DIR (default $STUB_DIR/ingress), so a second run with the same directory sees what
# the first created:
#   acm list-certificates / list-tags-for-certificate / describe-certificate   from certs/<id>.json
#   acm request-certificate   a PENDING_VALIDATION certificate whose id is its idempotency token
#   acm describe-certificate  ISSUED once its validation CNAME was UPSERTed, unless
#                             $STUB_ACM_NEVER_VALIDATES=1 (then PENDING_VALIDATION for ever)
#   acm delete-certificate    ResourceInUseException while on the listener, else removes it
#   route53 change-resource-record-sets   applies UPSERT/DELETE to records/<type>_<name>; DELETE of
#                             a missing record is InvalidChangeBatch "not found", as Route 53 answers
#   elbv2 add-/remove-listener-certificates   the listener's certificate list, listener.txt

ingress_dir() { printf '%s' "${STUB_INGRESS_DIR:-${STUB_DIR}/ingress}"; }

ingress_opt() {
  local name="$1"
  shift
  while (($# > 0)); do
    if [[ "$1" == "${name}" ]]; then
      printf '%s' "$2"
      return 0
    fi
    shift
  done
  return 1
}

cert_file() { printf '%s/certs/%s.json' "$(ingress_dir)" "${1##*/}"; }

# Answers an ACM / Route 53 / ELBv2 call and exits; returns when the call is not one of these.
aws_ingress() {
  local dir
  dir="$(ingress_dir)"
  mkdir -p "${dir}/certs" "${dir}/records"
  touch "${dir}/listener.txt"
  case "$1 $2" in
    "acm list-certificates")
      jq -s '{CertificateSummaryList: map({CertificateArn: .arn, DomainName: .domain, Status: .status})}' \
        "${dir}"/certs/*.json 2>/dev/null || printf '{"CertificateSummaryList": []}\n'
      exit 0
      ;;
    "acm list-tags-for-certificate")
      jq '{Tags: .tags}' "$(cert_file "$(ingress_opt --certificate-arn "$@")")"
      exit 0
      ;;
    "acm request-certificate")
      local token domain arn tags=() pair
      token="$(ingress_opt --idempotency-token "$@")"
      domain="$(ingress_opt --domain-name "$@")"
      id="${token:0:8}-${token:8:4}-${token:12:4}-${token:16:4}-${token:20:12}"
      arn="arn:aws:acm:eu-west-1:123456789012:certificate/${id}"
      # --tags Key=K,Value=V ... : every argument after --tags up to the next option.
      local in_tags=0
      for pair in "$@"; do
        if [[ "${pair}" == --tags ]]; then in_tags=1; continue; fi
        if [[ "${pair}" == --* ]]; then in_tags=0; fi
        if ((in_tags)); then tags+=("${pair}"); fi
      done
      if [[ ! -f "$(cert_file "${arn}")" ]]; then
        printf '%s\n' "${tags[@]}" | jq -R 'capture("^Key=(?<Key>[^,]+),Value=(?<Value>.*)$")' | jq -s \
          --arg arn "${arn}" --arg domain "${domain}" '{arn: $arn, domain: $domain, status: "PENDING_VALIDATION", tags: .}' \
          >"$(cert_file "${arn}")"
      fi
      printf '%s\n' "${arn}"
      exit 0
      ;;
    "acm describe-certificate")
      local file status
      file="$(cert_file "$(ingress_opt --certificate-arn "$@")")"
      status="$(jq -r .status "${file}")"
      if [[ "${status}" == PENDING_VALIDATION && "${STUB_ACM_NEVER_VALIDATES:-0}" != 1 && -f "${dir}/records/CNAME__validation.$(jq -r .domain "${file}" | sed 's/^\*\.//')." ]]; then
        jq '.status = "ISSUED"' "${file}" >"${file}.new" && mv "${file}.new" "${file}"
      fi
      jq '{Certificate: {CertificateArn: .arn, DomainName: .domain, Status: .status,
        DomainValidationOptions: [{DomainName: .domain, ValidationMethod: "DNS",
          ResourceRecord: {Name: ("_validation." + (.domain | ltrimstr("*.")) + "."), Type: "CNAME",
            Value: "_stub.acm-validations.aws."}}]}}' "${file}"
      exit 0
      ;;
    "acm delete-certificate")
      local arn
      arn="$(ingress_opt --certificate-arn "$@")"
      if [[ ! -f "$(cert_file "${arn}")" ]]; then
        echo "An error occurred (ResourceNotFoundException) when calling the DeleteCertificate operation" >&2
        exit 254
      fi
      if grep -qxF "${arn}" "${dir}/listener.txt"; then
        echo "An error occurred (ResourceInUseException) when calling the DeleteCertificate operation: Certificate ${arn} in use" >&2
        exit 254
      fi
      rm -f "$(cert_file "${arn}")"
      exit 0
      ;;
    "route53 change-resource-record-sets")
      local batch action name type record
      batch="$(ingress_opt --change-batch "$@")"
      batch="$(cat "${batch#file://}")"
      printf '%s\n' "$(jq -c . <<<"${batch}")" >>"${dir}/changes.log"
      action="$(jq -r '.Changes[0].Action' <<<"${batch}")"
      name="$(jq -r '.Changes[0].ResourceRecordSet.Name' <<<"${batch}")"
      type="$(jq -r '.Changes[0].ResourceRecordSet.Type' <<<"${batch}")"
      record="${dir}/records/${type}_${name//\*/_}"
      case "${action}" in
        UPSERT) jq -c '.Changes[0].ResourceRecordSet' <<<"${batch}" >"${record}" ;;
        DELETE)
          if [[ ! -f "${record}" ]]; then
            echo "An error occurred (InvalidChangeBatch) when calling the ChangeResourceRecordSets operation: [Tried to delete resource record set [name='${name}', type='${type}'] but it was not found]" >&2
            exit 254
          fi
          rm -f "${record}"
          ;;
      esac
      printf '{"ChangeInfo": {"Id": "/change/STUB", "Status": "PENDING"}}\n'
      exit 0
      ;;
    "elbv2 add-listener-certificates")
      local arn
      arn="$(ingress_opt --certificates "$@")"
      arn="${arn#CertificateArn=}"
      grep -qxF "${arn}" "${dir}/listener.txt" || printf '%s\n' "${arn}" >>"${dir}/listener.txt"
      printf '{"Certificates": [{"CertificateArn": "%s"}]}\n' "${arn}"
      exit 0
      ;;
    "elbv2 remove-listener-certificates")
      local arn
      arn="$(ingress_opt --certificates "$@")"
      arn="${arn#CertificateArn=}"
      if ! grep -qxF "${arn}" "${dir}/listener.txt"; then
        echo "An error occurred (CertificateNotFound) when calling the RemoveListenerCertificates operation" >&2
        exit 254
      fi
      grep -vxF "${arn}" "${dir}/listener.txt" >"${dir}/listener.new" || true
      mv "${dir}/listener.new" "${dir}/listener.txt"
      exit 0
      ;;
  esac
}
