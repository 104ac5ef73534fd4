#!/usr/bin/env bash
# post_build: stores `terraform output -json` in the artifact bucket for the Ansible and ArgoCD
# phases (Step Functions payloads cap at 256 KiB, so only the S3 key travels) and exports the
# key, the cluster name and the API endpoint.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The outputs the Ansible phase reads; a missing one fails this build rather than the next phase.
ANSIBLE_OUTPUTS_FILE="${TF_ROOT}/ansible-outputs.json"

check_outputs() {
  local outputs="$1" missing
  missing="$(jq -r --slurpfile contract "${ANSIBLE_OUTPUTS_FILE}" \
    '[$contract[0].outputs[] as $name | select(has($name) | not) | $name] | join(" ")' "${outputs}")"
  if [[ -n "${missing}" ]]; then
    error "terraform outputs missing (required by the ansible phase): ${missing}"
    return 1
  fi
}

publish_outputs() {
  local dir="$1" outputs key
  outputs="${dir}/terraform-outputs.json"
  terraform -chdir="${dir}" output -json >"${outputs}"
  check_outputs "${outputs}"
  key="$(terraform_outputs_key)"
  aws s3 cp "${outputs}" "s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}" --only-show-errors --content-type application/json
  info "published terraform outputs to s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}"
  record_export TF_OUTPUTS_S3_KEY "${key}"
  record_export CLUSTER_NAME "$(jq -er '.cluster_name.value' "${outputs}")"
  record_export API_ENDPOINT "$(jq -er '.api_endpoint.value' "${outputs}")"
}

main() {
  # post_build runs even when build failed; outputs of a half-applied run must not reach the
  # next phase (the workflow stops on the failed build anyway).
  if [[ "${CODEBUILD_BUILD_SUCCEEDING:-1}" != "1" ]]; then
    info "build did not succeed; not publishing terraform outputs"
    # Blank values override anything an earlier build left in a reused source directory.
    record_export TF_OUTPUTS_S3_KEY ""
    record_export CLUSTER_NAME ""
    record_export API_ENDPOINT ""
    return 0
  fi
  require_cmd terraform jq aws
  require_env SLIPWAY_SPEC SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_RUN_ID SLIPWAY_ARTIFACT_BUCKET
  local dir
  dir="$(terraform_env_dir)"
  publish_outputs "${dir}"
}

main "$@"
