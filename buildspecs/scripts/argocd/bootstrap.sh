#!/usr/bin/env bash
# build: through one SSM tunnel to the internal API load balancer, installs Argo CD, registers the
# cluster (Terraform outputs as annotations, gitops-bridge style) and the secrets Argo CD and
# Alertmanager need, hands the rendered tenant bundle to Argo CD THROUGH GIT (a commit under
# slipway-managed/<org>/<env>/ of the Slipway GitOps repository), applies the one Application that
# reconciles that path, and waits until it is Synced and Healthy at that commit.
# Nothing of the tenant bundle is ever applied with kubectl.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tunnel.sh
source "$(dirname "${BASH_SOURCE[0]}")/tunnel.sh"
# shellcheck source=gitops.sh
source "$(dirname "${BASH_SOURCE[0]}")/gitops.sh"

ARGOCD_NAMESPACE=argocd
MONITORING_NAMESPACE=monitoring
# Seconds to wait for Argo CD's own rollout, and for the applications to converge.
ROLLOUT_TIMEOUT="${ARGOCD_ROLLOUT_TIMEOUT:-300}"
SYNC_TIMEOUT="${ARGOCD_SYNC_TIMEOUT:-900}"

install_argocd() {
  info "installing Argo CD (server-side apply of $(manifests_dir)/argocd/install)"
  # Server-side: Argo CD's CRDs are too large for client-side apply's last-applied annotation.
  kube apply --server-side --force-conflicts --field-manager slipway-bootstrap -k "$(manifests_dir)/argocd/install" >/dev/null
  kube wait --for condition=Established --timeout 120s \
    crd/applications.argoproj.io crd/applicationsets.argoproj.io crd/appprojects.argoproj.io
  local workload
  for workload in deployment/argocd-server deployment/argocd-repo-server deployment/argocd-redis \
    deployment/argocd-applicationset-controller deployment/argocd-notifications-controller \
    statefulset/argocd-application-controller; do
    kube -n "${ARGOCD_NAMESPACE}" rollout status "${workload}" --timeout "${ROLLOUT_TIMEOUT}s"
  done
}

# Applies a manifest read from stdin, server-side, as the bootstrap's field manager. Secrets are
# built with jq from the environment ($ENV), so no secret value ever appears in a command line.
apply_stdin() {
  kube apply --server-side --force-conflicts --field-manager slipway-bootstrap -f - >/dev/null
}

# The initial admin password goes to Secrets Manager (KMS-encrypted), then the in-cluster copy is
# deleted as Argo CD recommends. A later run finds no initial secret and leaves the stored one alone.
store_admin_credentials() {
  local secret_id
  secret_id="slipway/$(environment_prefix)/argocd-admin"
  if ! kube -n "${ARGOCD_NAMESPACE}" get secret argocd-initial-admin-secret >/dev/null 2>&1; then
    info "no argocd-initial-admin-secret: admin credentials were stored by an earlier run"
    return 0
  fi
  local file="${PHASE_DIR}/argocd-admin.json"
  (
    umask 077
    kube -n "${ARGOCD_NAMESPACE}" get secret argocd-initial-admin-secret -o json |
      jq '{username: "admin", password: (.data.password | @base64d)}' >"${file}"
  )
  if aws secretsmanager describe-secret --secret-id "${secret_id}" >/dev/null 2>&1; then
    aws secretsmanager put-secret-value --secret-id "${secret_id}" --secret-string "file://${file}" >/dev/null
  else
    aws secretsmanager create-secret --name "${secret_id}" \
      --description "Argo CD admin credentials of Slipway environment $(environment_prefix)" \
      --kms-key-id "${SLIPWAY_SECRETS_KMS_KEY_ID}" \
      --tags "Key=managed-by,Value=slipway" "Key=organization,Value=${SLIPWAY_ORGANIZATION}" \
      "Key=environment,Value=${SLIPWAY_ENVIRONMENT}" \
      --secret-string "file://${file}" >/dev/null
  fi
  rm -f "${file}"
  kube -n "${ARGOCD_NAMESPACE}" delete secret argocd-initial-admin-secret >/dev/null
  info "Argo CD admin credentials stored in Secrets Manager (${secret_id})"
}

# `$slipway-token` in argocd-notifications-cm resolves from this Secret.
apply_notifications_secret() {
  jq -n --arg namespace "${ARGOCD_NAMESPACE}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {name: "argocd-notifications-secret", namespace: $namespace},
    stringData: {"slipway-token": $ENV.SLIPWAY_ARGOCD_TOKEN}
  }' | apply_stdin
  info "argocd-notifications-secret carries the Slipway webhook token"
}

# Alertmanager reads its bearer token from this Secret, mounted as a file (credentials_file).
apply_alertmanager_secret() {
  jq -n --arg namespace "${MONITORING_NAMESPACE}" '{apiVersion: "v1", kind: "Namespace", metadata: {name: $namespace}}' |
    apply_stdin
  jq -n --arg namespace "${MONITORING_NAMESPACE}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {name: "slipway-alertmanager", namespace: $namespace},
    stringData: {token: $ENV.SLIPWAY_ALERTMANAGER_TOKEN}
  }' | apply_stdin
  info "monitoring/slipway-alertmanager carries the Alertmanager webhook token"
}

# Argo CD reads the Slipway GitOps repository with the same credentials the phase pushes with.
apply_repository_secret() {
  jq -n --arg namespace "${ARGOCD_NAMESPACE}" --arg url "${SLIPWAY_GITOPS_REPOSITORY}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {name: "slipway-gitops-repository", namespace: $namespace,
      labels: {"argocd.argoproj.io/secret-type": "repository"}},
    stringData: {type: "git", url: $url,
      username: $ENV.SLIPWAY_GITOPS_USERNAME, password: $ENV.SLIPWAY_GITOPS_PASSWORD}
  }' | apply_stdin
  info "Argo CD can read ${SLIPWAY_GITOPS_REPOSITORY}"
}

# gitops-bridge style: the in-cluster destination, labelled with who it belongs to and annotated
# with every non-sensitive Terraform output (strings as-is, other values as JSON), so
# ApplicationSets with a cluster generator can template on them.
apply_cluster_secret() {
  local cluster_name tier
  cluster_name="$(tf_output cluster_name)"
  tier="$(spec_get '.tier')"
  jq --arg namespace "${ARGOCD_NAMESPACE}" --arg name "${cluster_name}" \
    --arg organization "${SLIPWAY_ORGANIZATION}" --arg environment "${SLIPWAY_ENVIRONMENT}" --arg tier "${tier}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {
      name: ("cluster-" + $name), namespace: $namespace,
      labels: {
        "argocd.argoproj.io/secret-type": "cluster",
        "slipway.io/organization": $organization,
        "slipway.io/environment": $environment,
        "slipway.io/tier": $tier,
        "environment": $environment
      },
      annotations: (
        to_entries
        | map(select(.value.sensitive | not))
        | map({key: .key, value: (.value.value | if type == "string" then . else tojson end)})
        | from_entries
        | . + {"slipway.io/organization": $organization, "slipway.io/environment": $environment}
      )
    },
    stringData: {name: $name, server: "https://kubernetes.default.svc", config: "{\"tlsClientConfig\":{\"insecure\":false}}"}
  }' "$(tf_outputs_file)" | apply_stdin
  info "cluster secret cluster-${cluster_name} registered with $(jq '[.[] | select(.sensitive | not)] | length' "$(tf_outputs_file)") Terraform outputs"
}

# The AppProject slipway-platform and the Application slipway-managed: the root of everything
# Argo CD reconciles for this environment. Applied only after the bundle is in Git.
apply_bootstrap_applications() {
  kube apply --server-side --force-conflicts --field-manager slipway-bootstrap -k "$(manifests_dir)/argocd/bootstrap" >/dev/null
  # Ask for a refresh now instead of waiting for the next Git poll.
  kube -n "${ARGOCD_NAMESPACE}" annotate application slipway-managed --overwrite argocd.argoproj.io/refresh=normal >/dev/null
  info "Application slipway-managed reconciles $(managed_path) at ${SLIPWAY_GITOPS_BRANCH:-main}"
}

app_field() {
  kube -n "${ARGOCD_NAMESPACE}" get application "$1" -o jsonpath="$2"
}

# Synced at the commit just pushed, then Healthy; the same for every Application of the
# organization and for monitoring. Bounded by SYNC_TIMEOUT in total.
wait_for_applications() {
  local revision="$1"
  local deadline=$((SECONDS + SYNC_TIMEOUT))
  local remaining=$((deadline - SECONDS))
  kube -n "${ARGOCD_NAMESPACE}" wait application/slipway-managed --timeout "${remaining}s" \
    --for "jsonpath={.status.sync.revision}=${revision}"
  remaining=$((deadline - SECONDS))
  kube -n "${ARGOCD_NAMESPACE}" wait application/slipway-managed --timeout "${remaining}s" \
    --for "jsonpath={.status.sync.status}=Synced"
  local listing app
  local -a apps=(application/slipway-managed application/kube-prometheus-stack)
  # The organization's Applications exist only for the directories its repository already has.
  listing="$(kube -n "${ARGOCD_NAMESPACE}" get applications -l "slipway.io/organization=${SLIPWAY_ORGANIZATION}" -o name)"
  if [[ -n "${listing}" ]]; then
    mapfile -t -O "${#apps[@]}" apps <<<"${listing}"
  fi
  for app in "${apps[@]}"; do
    remaining=$((deadline - SECONDS))
    if ((remaining <= 0)); then
      error "out of time before ${app} converged"
      return 1
    fi
    kube -n "${ARGOCD_NAMESPACE}" wait "${app}" --timeout "${remaining}s" --for "jsonpath={.status.sync.status}=Synced"
    remaining=$((deadline - SECONDS))
    kube -n "${ARGOCD_NAMESPACE}" wait "${app}" --timeout "$((remaining > 0 ? remaining : 1))s" --for "jsonpath={.status.health.status}=Healthy"
    info "${app}: Synced and Healthy"
  done
}

report_status() {
  local sync health
  sync="$(app_field slipway-managed '{.status.sync.status}')"
  health="$(app_field slipway-managed '{.status.health.status}')"
  record_export ARGOCD_SYNC_STATUS "${sync:-Unknown}"
  record_export ARGOCD_HEALTH_STATUS "${health:-Unknown}"
  info "slipway-managed: sync ${sync:-Unknown}, health ${health:-Unknown}"
}

main() {
  require_cmd jq aws git kubectl session-manager-plugin
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_SPEC SLIPWAY_GITOPS_REPOSITORY SLIPWAY_ARGOCD_TOKEN \
    SLIPWAY_ALERTMANAGER_TOKEN SLIPWAY_GITOPS_USERNAME SLIPWAY_GITOPS_PASSWORD SLIPWAY_SECRETS_KMS_KEY_ID
  trap close_tunnel EXIT
  open_tunnel
  install_argocd
  store_admin_credentials
  apply_notifications_secret
  apply_alertmanager_secret
  apply_repository_secret
  apply_cluster_secret
  local revision
  revision="$(publish_bundle)"
  record_export TENANT_MANIFESTS_REVISION "${revision}"
  apply_bootstrap_applications
  # Record what Argo CD reports even when waiting fails, then fail the phase.
  trap 'report_status; close_tunnel' EXIT
  wait_for_applications "${revision}"
}

main "$@"
