#!/usr/bin/env bash
# ACM, Route 53 and ELBv2 of the aws SIMULATOR (local/simulators/aws): what a shared cluster's
# tenant's ArgoCD phase calls for its ingress (buildspecs/scripts/argocd/tenant-ingress.sh) and its
# teardown (teardown/tenant-ingress-remove.sh), against local state under $SLIPWAY_DATA_DIR:
#   acm/<id>.json            certificates: requested PENDING_VALIDATION, ISSUED once their
#                            validation CNAME is in the simulated zone (nothing validates for real)
#   route53/<zone>/<record>  record sets as changed (UPSERT, DELETE; a missing DELETE is refused)
#   elbv2/<listener digest>  the certificates added to a listener
# Sourced by the aws simulator after its options are parsed (REGION, render, simulated).

acm_file() { printf '%s/acm/%s.json' "$(data_dir)" "${1##*/}"; }

simulate_acm() {
  mkdir -p "$(data_dir)/acm"
  local arn file
  case "${OPERATION}" in
    list-certificates)
      simulated "aws acm list-certificates (local certificates $(data_dir)/acm)"
      find "$(data_dir)/acm" -name '*.json' -exec cat {} + |
        jq -s '{CertificateSummaryList: map({CertificateArn: .arn, DomainName: .domain, Status: .status})}' | render
      ;;
    request-certificate)
      local domain token id tags=() pair in_tags=0
      domain="$(option_value --domain-name "$@")" || not_simulated "aws acm request-certificate without --domain-name"
      token="$(option_value --idempotency-token "$@" || printf '%s' "${domain}")"
      id="$(digest "${REGION}/${token}" 32)"
      id="${id:0:8}-${id:8:4}-${id:12:4}-${id:16:4}-${id:20:12}"
      arn="arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/${id}"
      for pair in "$@"; do
        if [[ "${pair}" == --tags ]]; then
          in_tags=1
          continue
        fi
        [[ "${pair}" != --* ]] || in_tags=0
        ((in_tags == 0)) || tags+=("${pair}")
      done
      file="$(acm_file "${arn}")"
      if [[ ! -f "${file}" ]]; then
        printf '%s\n' "${tags[@]}" | jq -R 'capture("^Key=(?<Key>[^,]+),Value=(?<Value>.*)$")' |
          jq -s --arg arn "${arn}" --arg domain "${domain}" \
            '{arn: $arn, domain: $domain, status: "PENDING_VALIDATION", tags: .}' >"${file}"
      fi
      simulated "aws acm request-certificate ${domain} -> ${arn} (nothing is requested from ACM)"
      jq -n --arg arn "${arn}" '{CertificateArn: $arn}' | render
      ;;
    describe-certificate | list-tags-for-certificate | delete-certificate)
      arn="$(option_value --certificate-arn "$@")" || not_simulated "aws acm ${OPERATION} without --certificate-arn"
      file="$(acm_file "${arn}")"
      if [[ ! -f "${file}" ]]; then
        simulated "aws acm ${OPERATION} ${arn}: no such local certificate"
        echo "An error occurred (ResourceNotFoundException) when calling the ${OPERATION} operation: Could not find certificate ${arn}." >&2
        exit 254
      fi
      simulated "aws acm ${OPERATION} ${arn} (local certificates $(data_dir)/acm)"
      case "${OPERATION}" in
        list-tags-for-certificate) jq '{Tags: .tags}' "${file}" | render ;;
        delete-certificate)
          if grep -rqxF "${arn}" "$(data_dir)/elbv2" 2>/dev/null; then
            echo "An error occurred (ResourceInUseException) when calling the DeleteCertificate operation: Certificate ${arn} in use." >&2
            exit 254
          fi
          rm -f "${file}"
          ;;
        describe-certificate)
          local name
          name="_$(digest "$(jq -r .domain "${file}")" 32).$(jq -r '.domain | ltrimstr("*.")' "${file}")."
          if [[ -n "$(find "$(data_dir)/route53" -name "CNAME_${name}" 2>/dev/null)" ]]; then
            jq '.status = "ISSUED"' "${file}" >"${file}.tmp" && mv -f "${file}.tmp" "${file}"
          fi
          jq --arg name "${name}" '{Certificate: {CertificateArn: .arn, DomainName: .domain, Status: .status,
            DomainValidationOptions: [{DomainName: .domain, ValidationMethod: "DNS", ValidationStatus: .status,
              ResourceRecord: {Name: $name, Type: "CNAME", Value: "_simulated.acm-validations.aws."}}]}}' "${file}" | render
          ;;
      esac
      ;;
    *) not_simulated "aws acm ${OPERATION}" ;;
  esac
}

simulate_route53() {
  [[ "${OPERATION}" == change-resource-record-sets ]] || not_simulated "aws route53 ${OPERATION}"
  local zone batch action name type dir record
  zone="$(option_value --hosted-zone-id "$@")" || not_simulated "aws route53 ${OPERATION} without --hosted-zone-id"
  batch="$(option_value --change-batch "$@")" || not_simulated "aws route53 ${OPERATION} without --change-batch"
  [[ "${batch}" == file://* ]] || not_simulated "aws route53 ${OPERATION} with an inline --change-batch"
  batch="$(cat "${batch#file://}")"
  dir="$(data_dir)/route53/${zone//\//_}"
  mkdir -p "${dir}"
  while IFS=$'\t' read -r action name type; do
    record="${dir}/${type}_${name//[*\/]/_}"
    simulated "aws route53 change-resource-record-sets ${zone}: ${action} ${type} ${name} (local zone ${dir})"
    case "${action}" in
      UPSERT | CREATE) jq -c --arg name "${name}" '.Changes[] | select(.ResourceRecordSet.Name == $name) | .ResourceRecordSet' <<<"${batch}" >"${record}" ;;
      DELETE)
        if [[ ! -f "${record}" ]]; then
          echo "An error occurred (InvalidChangeBatch) when calling the ChangeResourceRecordSets operation: [Tried to delete resource record set [name='${name}', type='${type}'] but it was not found]" >&2
          exit 254
        fi
        rm -f "${record}"
        ;;
      *) not_simulated "aws route53 change-resource-record-sets action ${action}" ;;
    esac
  done < <(jq -r '.Changes[] | [.Action, .ResourceRecordSet.Name, .ResourceRecordSet.Type] | @tsv' <<<"${batch}")
  jq -n '{ChangeInfo: {Id: "/change/SIMULATED", Status: "INSYNC"}}' | render
}

simulate_elbv2() {
  local listener certificate file
  listener="$(option_value --listener-arn "$@")" || not_simulated "aws elbv2 ${OPERATION} without --listener-arn"
  certificate="$(option_value --certificates "$@")" || not_simulated "aws elbv2 ${OPERATION} without --certificates"
  certificate="${certificate#CertificateArn=}"
  mkdir -p "$(data_dir)/elbv2"
  file="$(data_dir)/elbv2/$(digest "${listener}" 16)"
  touch "${file}"
  case "${OPERATION}" in
    add-listener-certificates)
      grep -qxF "${certificate}" "${file}" || printf '%s\n' "${certificate}" >>"${file}"
      ;;
    remove-listener-certificates)
      if ! grep -qxF "${certificate}" "${file}"; then
        echo "An error occurred (CertificateNotFound) when calling the RemoveListenerCertificates operation" >&2
        exit 254
      fi
      grep -vxF "${certificate}" "${file}" >"${file}.tmp" || [[ $? == 1 ]]
      mv -f "${file}.tmp" "${file}"
      ;;
    *) not_simulated "aws elbv2 ${OPERATION}" ;;
  esac
  simulated "aws elbv2 ${OPERATION} ${certificate} on ${listener} (no load balancer exists in local mode)"
  jq -n --arg arn "${certificate}" '{Certificates: [{CertificateArn: $arn}]}' | render
}
