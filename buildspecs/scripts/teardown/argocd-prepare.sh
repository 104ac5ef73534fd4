#!/usr/bin/env bash
# pre_build of the argocd teardown: fetches the Terraform outputs the SSM tunnel needs and the
# kubeconfig (pointed at the local end of the tunnel). An environment that never got that far has
# no cluster to prune: the later step is skipped, saying why, and the Git and Secrets Manager steps
# still run.
set -euo pipefail

# shellcheck source=../argocd/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../argocd/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly PRUNE_STEP=prune-applications

# The terraform phase's outputs, from the run that last provisioned the environment. Without the
# key the terraform phase never succeeded: no API load balancer, no node to tunnel through.
fetch_terraform_outputs() {
  local key name
  if ! key="$(previous_output TF_OUTPUTS_S3_KEY)"; then
    skip_step "${PRUNE_STEP}" "SLIPWAY_PREVIOUS_OUTPUTS has no TF_OUTPUTS_S3_KEY: the terraform phase never succeeded, so no cluster runs Argo CD"
    return 0
  fi
  info "fetching terraform outputs s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}"
  aws s3 cp "s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}" "$(tf_outputs_file)" --only-show-errors
  for name in api_endpoint control_plane_instance_ids region; do
    if ! tf_output "${name}" >/dev/null; then
      error "terraform output ${name} is missing from ${key}: cannot reach the cluster to prune its applications"
      return 1
    fi
  done
}

# SLIPWAY_KUBECONFIG is resolved by CodeBuild (a SECRETS_MANAGER override, as for the provisioning
# phase); without it, the ansible phase's KUBECONFIG_SECRET_ID is read by id. Neither means the
# ansible phase never succeeded, and so Argo CD was never installed. The content goes straight to
# a 0600 file and is never printed.
write_kubeconfig() {
  local file secret_id
  file="$(kubeconfig_file)"
  if step_skipped "${PRUNE_STEP}"; then
    return 0
  fi
  if [[ -z "${SLIPWAY_KUBECONFIG:-}" ]] && ! secret_id="$(previous_output KUBECONFIG_SECRET_ID)"; then
    skip_step "${PRUNE_STEP}" "no SLIPWAY_KUBECONFIG and no KUBECONFIG_SECRET_ID in SLIPWAY_PREVIOUS_OUTPUTS: the ansible phase never succeeded, so Argo CD was never installed"
    return 0
  fi
  (
    umask 077
    if [[ -n "${SLIPWAY_KUBECONFIG:-}" ]]; then
      printf '%s\n' "${SLIPWAY_KUBECONFIG}" >"${file}"
    else
      info "reading the kubeconfig from Secrets Manager (${secret_id})"
      aws secretsmanager get-secret-value --secret-id "${secret_id}" --query SecretString --output text >"${file}"
    fi
  )
  # As in the provisioning phase: the API server is reached at the local end of the tunnel, and TLS
  # verifies against the load balancer's name its certificate carries.
  local cluster api_host
  cluster="$(kube config view --minify -o jsonpath='{.clusters[0].name}')"
  api_host="$(tf_output api_endpoint)"
  api_host="${api_host#https://}"
  api_host="${api_host%%:*}"
  kube config set-cluster "${cluster}" --server "https://127.0.0.1:$(tunnel_port)" --tls-server-name "${api_host}" >/dev/null
  info "kubeconfig points at the SSM tunnel 127.0.0.1:$(tunnel_port) (TLS name ${api_host})"
}

main() {
  require_cmd jq aws kubectl
  # The Git step needs these whatever the cluster's state: missing, the phase stops before it touches anything.
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_ARTIFACT_BUCKET SLIPWAY_GITOPS_REPOSITORY \
    SLIPWAY_GITOPS_USERNAME SLIPWAY_GITOPS_PASSWORD
  require_previous_outputs
  protect_push_credential
  protect_kubeconfig
  ensure_phase_dir
  rm -f "$(tf_outputs_file)" "$(kubeconfig_file)"
  start_teardown_exports
  record_export APPLICATIONS_PRUNED 0
  record_export TENANT_MANIFESTS_REMOVED_REVISION ""
  record_export SECRETS_DELETED 0
  fetch_terraform_outputs
  write_kubeconfig
}

main "$@"
