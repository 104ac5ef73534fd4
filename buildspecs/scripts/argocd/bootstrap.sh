#!/usr/bin/env bash
# build: through one SSM tunnel to the internal API load balancer, installs Argo CD, registers the
# cluster (Terraform outputs as annotations, gitops-bridge style) and the secrets Argo CD and
# Alertmanager need (Argo CD reads Git with the READ-ONLY credential; the push credential never
# enters the cluster), hands the rendered tenant bundle to Argo CD THROUGH GIT (a commit under
# slipway-managed/<org>/<env>/ of the Slipway GitOps repository), applies the one Application that
# reconciles that path, and waits, bounded, until it is Synced at a revision that includes that
# commit and every Application the bundle implies exists and is Synced and Healthy.
# Nothing of the tenant bundle is ever applied with kubectl.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tunnel.sh
source "$(dirname "${BASH_SOURCE[0]}")/tunnel.sh"
# shellcheck source=gitops.sh
source "$(dirname "${BASH_SOURCE[0]}")/gitops.sh"
# shellcheck source=hook-token.sh
source "$(dirname "${BASH_SOURCE[0]}")/hook-token.sh"

ARGOCD_NAMESPACE=argocd
MONITORING_NAMESPACE=monitoring
# Seconds to wait for Argo CD's own rollout, and for the applications to converge (in total).
ROLLOUT_TIMEOUT="${ARGOCD_ROLLOUT_TIMEOUT:-300}"
SYNC_TIMEOUT="${ARGOCD_SYNC_TIMEOUT:-900}"
# Longest single `kubectl wait` while slipway-managed catches up with our commit (see wait_for_managed_sync).
WAIT_SLICE="${ARGOCD_WAIT_SLICE:-30}"
# Server-side apply field managers. The install and the Secrets this script writes must NOT share
# one: upstream install.yaml carries an empty argocd-notifications-secret, and a server-side apply
# removes every field its manager set before but does not set again - a re-run of the install under
# the Secrets' manager would strip the webhook token until the next step put it back (or for good,
# if the run stopped in between).
INSTALL_FIELD_MANAGER=slipway-argocd-install
SECRETS_FIELD_MANAGER=slipway-bootstrap-secrets
BOOTSTRAP_FIELD_MANAGER=slipway-bootstrap

install_argocd() {
  info "installing Argo CD (server-side apply of $(manifests_dir)/argocd/install)"
  # Server-side: Argo CD's CRDs are too large for client-side apply's last-applied annotation.
  kube apply --server-side --force-conflicts --field-manager "${INSTALL_FIELD_MANAGER}" -k "$(manifests_dir)/argocd/install" >/dev/null
  kube wait --for condition=Established --timeout 120s \
    crd/applications.argoproj.io crd/applicationsets.argoproj.io crd/appprojects.argoproj.io
  local workload
  for workload in deployment/argocd-server deployment/argocd-repo-server deployment/argocd-redis \
    deployment/argocd-applicationset-controller deployment/argocd-notifications-controller \
    statefulset/argocd-application-controller; do
    kube -n "${ARGOCD_NAMESPACE}" rollout status "${workload}" --timeout "${ROLLOUT_TIMEOUT}s"
  done
}

# Applies a manifest read from stdin, server-side, as the Secrets' field manager. Secrets are
# built with jq from the environment ($ENV), so no secret value ever appears in a command line.
apply_stdin() {
  kube apply --server-side --force-conflicts --field-manager "${SECRETS_FIELD_MANAGER}" -f - >/dev/null
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

# `$slipway-token` in argocd-notifications-cm resolves from this Secret: THIS cluster's Argo CD
# hook token (hook-token.sh), derived from the deployment's argocd hook secret, which never enters
# the cluster.
apply_notifications_secret() {
  local token
  token="$(hook_token "${SLIPWAY_ARGOCD_TOKEN}" "$(hook_token_message)")"
  SLIPWAY_CLUSTER_HOOK_TOKEN="${token}" jq -n --arg namespace "${ARGOCD_NAMESPACE}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {name: "argocd-notifications-secret", namespace: $namespace},
    stringData: {"slipway-token": $ENV.SLIPWAY_CLUSTER_HOOK_TOKEN}
  }' | apply_stdin
  info "argocd-notifications-secret carries the Argo CD hook token of $(hook_token_message)"
}

# Alertmanager reads its bearer token from this Secret, mounted as a file (credentials_file):
# THIS cluster's Alertmanager hook token, derived like the Argo CD one from its own secret.
apply_alertmanager_secret() {
  jq -n --arg namespace "${MONITORING_NAMESPACE}" '{apiVersion: "v1", kind: "Namespace", metadata: {name: $namespace}}' |
    apply_stdin
  local token
  token="$(hook_token "${SLIPWAY_ALERTMANAGER_TOKEN}" "$(hook_token_message)")"
  SLIPWAY_CLUSTER_HOOK_TOKEN="${token}" jq -n --arg namespace "${MONITORING_NAMESPACE}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {name: "slipway-alertmanager", namespace: $namespace},
    stringData: {token: $ENV.SLIPWAY_CLUSTER_HOOK_TOKEN}
  }' | apply_stdin
  info "monitoring/slipway-alertmanager carries the Alertmanager hook token of $(hook_token_message)"
}

# The organization's tenant repository (spec.gitops.repository), read by Argo CD with the
# organization's READ-ONLY credential from Secrets Manager (slipway/<org>/gitops-read-credentials,
# {"username", "password"}), as a repository Secret scoped to the organization's AppProject
# (`project`): only that project's Applications and ApplicationSet use it. No such secret means a
# public repository: the spec has no "private" flag, an organization with a public repository
# needs to create nothing, and a private repository without it fails visibly - its Applications
# are never generated and the wait below names the directory it could not read.
apply_tenant_repository_secret() {
  local secret_id repository file output status=0
  secret_id="slipway/${SLIPWAY_ORGANIZATION}/gitops-read-credentials"
  repository="$(spec_get '.gitops.repository')"
  file="${PHASE_DIR}/tenant-repository-credentials.json"
  output="$(
    umask 077
    aws secretsmanager get-secret-value --secret-id "${secret_id}" --query SecretString --output text 2>&1 >"${file}"
  )" || status=$?
  if ((status != 0)); then
    rm -f "${file}"
    if [[ "${output}" == *ResourceNotFoundException* ]]; then
      info "no ${secret_id}: ${repository} is read as a public repository"
      return 0
    fi
    error "could not read ${secret_id}: ${output}"
    return 1
  fi
  if ! jq -e '(.username | type == "string" and length > 0) and (.password | type == "string" and length > 0)' \
    "${file}" >/dev/null 2>&1; then
    rm -f "${file}"
    error "${secret_id} must hold {\"username\": ..., \"password\": ...}"
    return 1
  fi
  jq --arg namespace "${ARGOCD_NAMESPACE}" --arg url "${repository}" --arg project "${SLIPWAY_ORGANIZATION}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {name: ("tenant-repository-" + $project), namespace: $namespace,
      labels: {"argocd.argoproj.io/secret-type": "repository", "slipway.io/organization": $project}},
    stringData: {type: "git", url: $url, project: $project, username: .username, password: .password}
  }' "${file}" | apply_stdin
  rm -f "${file}"
  info "Argo CD reads ${repository} with ${secret_id}, for AppProject ${SLIPWAY_ORGANIZATION} only"
}

# Argo CD reads the Slipway GitOps repository with the READ-ONLY credential
# (slipway/gitops-read-credentials). The push credential is not exported to jq (protect_push_credential),
# so it cannot end up in this Secret: a compromised cluster can read the repository, never push to it.
apply_repository_secret() {
  jq -n --arg namespace "${ARGOCD_NAMESPACE}" --arg url "${SLIPWAY_GITOPS_REPOSITORY}" '{
    apiVersion: "v1", kind: "Secret", type: "Opaque",
    metadata: {name: "slipway-gitops-repository", namespace: $namespace,
      labels: {"argocd.argoproj.io/secret-type": "repository"}},
    stringData: {type: "git", url: $url,
      username: $ENV.SLIPWAY_GITOPS_READ_USERNAME, password: $ENV.SLIPWAY_GITOPS_READ_PASSWORD}
  }' | apply_stdin
  info "Argo CD can read ${SLIPWAY_GITOPS_REPOSITORY} (read-only credential)"
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
  kube apply --server-side --force-conflicts --field-manager "${BOOTSTRAP_FIELD_MANAGER}" -k "$(manifests_dir)/argocd/bootstrap" >/dev/null
  # Ask for a refresh now instead of waiting for the next Git poll.
  kube -n "${ARGOCD_NAMESPACE}" annotate application slipway-managed --overwrite argocd.argoproj.io/refresh=normal >/dev/null
  info "Application slipway-managed reconciles $(managed_path) at ${SLIPWAY_GITOPS_BRANCH:-main}"
}

app_field() {
  kube -n "${ARGOCD_NAMESPACE}" get application "$1" -o jsonpath="$2"
}

# Prints the seconds left before DEADLINE (a $SECONDS value); fails, naming what was awaited, when
# none are left.
seconds_left() {
  local deadline="$1" what="$2" left
  left=$((deadline - SECONDS))
  if ((left <= 0)); then
    error "ARGOCD_SYNC_TIMEOUT (${SYNC_TIMEOUT}s) ran out waiting for ${what}"
    return 1
  fi
  printf '%s' "${left}"
}

# One bounded `kubectl wait` on an Application. A timeout is an expected outcome here (the caller
# decides what it means); any other failure (API unreachable, bad condition) fails the step.
wait_slice() {
  local app="$1" seconds="$2" condition="$3" output
  if output="$(kube -n "${ARGOCD_NAMESPACE}" wait "application/${app}" --timeout "${seconds}s" --for "${condition}" 2>&1)"; then
    return 0
  fi
  if [[ "${output}" == *"timed out waiting"* ]]; then
    return 1
  fi
  error "kubectl wait application/${app} --for ${condition}: ${output}"
  return 2
}

# slipway-managed follows the branch, not a commit: once another environment pushes after us it is
# Synced at THEIR commit, which includes ours, and never at ours. Done when it is Synced at our
# commit or a descendant of it. Each pass blocks on one bounded `kubectl wait` for the condition
# that is false right now - Synced while it is not; our exact commit while it is Synced at one that
# does not include ours - so the loop never spins: a pass ends on a change or after WAIT_SLICE.
wait_for_managed_sync() {
  local ours="$1" deadline="$2" state status synced left condition status_code
  while true; do
    state="$(app_field slipway-managed '{.status.sync.status} {.status.sync.revision}')"
    read -r status synced <<<"${state}"
    if [[ "${status}" == Synced ]] && revision_includes "${synced}" "${ours}"; then
      info "slipway-managed: Synced at ${synced}, which includes ${ours}"
      return 0
    fi
    left="$(seconds_left "${deadline}" "slipway-managed to sync a revision that includes ${ours} (it is ${status:-without status} at ${synced:-no revision})")"
    if [[ "${status}" == Synced ]]; then
      condition="jsonpath={.status.sync.revision}=${ours}"
    else
      condition="jsonpath={.status.sync.status}=Synced"
    fi
    status_code=0
    wait_slice slipway-managed "$((left < WAIT_SLICE ? left : WAIT_SLICE))" "${condition}" || status_code=$?
    if ((status_code > 1)); then
      return 1
    fi
  done
}

# Waits, within DEADLINE, until .status.<FIELD>.status of Application APP is VALUE.
wait_for_status() {
  local app="$1" field="$2" value="$3" deadline="$4" left
  left="$(seconds_left "${deadline}" "Application ${app} to be ${value}")"
  if ! kube -n "${ARGOCD_NAMESPACE}" wait "application/${app}" --timeout "${left}s" \
    --for "jsonpath={.status.${field}.status}=${value}" >/dev/null; then
    error "Application ${app} is not ${value} within ${SYNC_TIMEOUT}s: $(app_field "${app}" '{.status.sync.status}/{.status.health.status} {.status.conditions[*].message}')"
    return 1
  fi
}

# A push-started run (SLIPWAY_COMMIT, pushed_commit in lib.sh): the commit its environment's
# Applications must be synced to, and what came of it, recorded by record_commit_sync.
PUSHED_COMMIT=""
COMMIT_SYNC_RESULT=""
COMMIT_SYNCED_REVISION=""

# Brings Application APP of the environment's own repository to PUSHED_COMMIT, within DEADLINE.
# Each such Application follows spec.gitops.branch with automated sync, and Argo CD refuses
# `argocd app sync APP --revision <commit>` for it ("Cannot sync to <commit>: auto-sync currently
# set to <branch>"), while its ApplicationSet would put back a targetRevision changed on it. So the
# run asks for a refresh (the annotation `argocd app get --refresh` sets), which makes the automated
# sync resolve the branch the push moved, and waits - one bounded `kubectl wait` for that revision
# per pass - until the Application is at our commit, or until our commit is in its deployment
# history (.status.history): it was deployed and a later push, whose own run follows, superseded it.
sync_to_commit() {
  local app="$1" deadline="$2" state revision history left status_code
  kube -n "${ARGOCD_NAMESPACE}" annotate application "${app}" --overwrite argocd.argoproj.io/refresh=normal >/dev/null
  info "${app}: refresh requested, to sync ${PUSHED_COMMIT}"
  while true; do
    state="$(app_field "${app}" '{.status.sync.revision}|{.status.history[*].revision}')"
    IFS='|' read -r revision history <<<"${state}"
    if [[ -n "${revision}" && "${revision}" == "${PUSHED_COMMIT}"* ]]; then
      COMMIT_SYNCED_REVISION="${revision}"
      COMMIT_SYNC_RESULT="${COMMIT_SYNC_RESULT:-Synced}"
      info "${app}: at the pushed commit ${revision}"
      return 0
    fi
    if [[ " ${history} " == *" ${PUSHED_COMMIT}"* ]]; then
      COMMIT_SYNCED_REVISION="${revision}"
      COMMIT_SYNC_RESULT=Superseded
      info "${app}: deployed ${PUSHED_COMMIT}, since superseded by ${revision}"
      return 0
    fi
    left="$(seconds_left "${deadline}" "Application ${app} to sync the pushed commit ${PUSHED_COMMIT} (it is at ${revision:-no revision})")"
    status_code=0
    wait_slice "${app}" "$((left < WAIT_SLICE ? left : WAIT_SLICE))" \
      "jsonpath={.status.sync.revision}=${PUSHED_COMMIT}" || status_code=$?
    if ((status_code > 1)); then
      return 1
    fi
  done
}

# The commit sync's outcome as phase outputs (the run's record of its ArgoCD phase shows them):
# GITOPS_COMMIT (the pushed commit), GITOPS_SYNC_RESULT (Synced: every Application of the
# environment's repository at it, Synced and Healthy; Superseded: deployed, then replaced by a later
# push; Failed) and GITOPS_SYNCED_REVISION (the revision Argo CD reports). Empty on an API run.
record_commit_sync() {
  record_export GITOPS_COMMIT "${PUSHED_COMMIT}"
  if [[ -n "${PUSHED_COMMIT}" ]]; then
    record_export GITOPS_SYNC_RESULT "${COMMIT_SYNC_RESULT:-Failed}"
    record_export GITOPS_SYNCED_REVISION "${COMMIT_SYNCED_REVISION}"
    info "pushed commit ${PUSHED_COMMIT}: ${COMMIT_SYNC_RESULT:-Failed}${COMMIT_SYNCED_REVISION:+ (Argo CD at ${COMMIT_SYNCED_REVISION})}"
  else
    record_export GITOPS_SYNC_RESULT ""
    record_export GITOPS_SYNCED_REVISION ""
  fi
}

# Waits, within DEADLINE, until Application APP exists, then (an Application of the environment's
# own repository - FROM_TENANT_REPOSITORY - in a push-started run) until it is at the pushed commit,
# then until it is Synced, then Healthy. SOURCE says where it comes from, for the error when it
# never appears.
wait_for_application() {
  local app="$1" source="$2" deadline="$3" from_tenant_repository="${4:-}" left
  left="$(seconds_left "${deadline}" "Application ${app} to be created")"
  if ! kube -n "${ARGOCD_NAMESPACE}" wait "application/${app}" --for=create --timeout "${left}s" >/dev/null; then
    error "Application ${app} was not created within ${SYNC_TIMEOUT}s; it comes from ${source}"
    return 1
  fi
  if [[ -n "${from_tenant_repository}" && -n "${PUSHED_COMMIT}" ]]; then
    sync_to_commit "${app}" "${deadline}"
  fi
  wait_for_status "${app}" sync Synced "${deadline}"
  wait_for_status "${app}" health Healthy "${deadline}"
  info "${app}: Synced and Healthy"
}

# slipway-managed Synced at a revision that includes ours, then Healthy; then every Application the
# bundle implies: kube-prometheus-stack (platform/monitoring.yaml), aws-ebs-csi-driver
# (platform/storage.yaml), external-secrets (platform/secrets.yaml), fluent-bit and fluent-bit-events
# (platform/logging.yaml) and one per tenant namespace, named
# by the renderer from the spec (expected-applications.json) - never read back from the cluster,
# where the ApplicationSet controller may not have generated them yet. Bounded by SYNC_TIMEOUT in total.
wait_for_applications() {
  local revision="$1" deadline
  deadline=$((SECONDS + SYNC_TIMEOUT))
  wait_for_managed_sync "${revision}" "${deadline}"
  wait_for_status slipway-managed health Healthy "${deadline}"
  info "slipway-managed: Healthy"
  wait_for_application kube-prometheus-stack "$(managed_path)/platform/monitoring.yaml" "${deadline}"
  wait_for_application aws-ebs-csi-driver "$(managed_path)/platform/storage.yaml" "${deadline}"
  wait_for_application external-secrets "$(managed_path)/platform/secrets.yaml" "${deadline}"
  wait_for_application fluent-bit "$(managed_path)/platform/logging.yaml" "${deadline}"
  wait_for_application fluent-bit-events "$(managed_path)/platform/logging.yaml" "${deadline}"
  # A shared cluster's platform part has no tenant: its tenants' runs wait for their own Applications.
  if [[ "$(argocd_part)" == platform ]]; then
    return 0
  fi
  local repository branch entry
  repository="$(spec_get '.gitops.repository')"
  branch="$(spec_get '.gitops.branch')"
  local -a expected
  # One "<name> <path>" line per Application (names are DNS-1123 labels, paths have no spaces).
  mapfile -t expected < <(jq -r '.applications[] | "\(.name) \(.path)"' "$(expected_applications_file)")
  for entry in "${expected[@]}"; do
    wait_for_application "${entry%% *}" \
      "the ApplicationSet ${SLIPWAY_ORGANIZATION}-${SLIPWAY_ENVIRONMENT}, once ${repository} has ${entry#* } on ${branch}" \
      "${deadline}" tenant-repository
  done
}

# Records what Argo CD reports for the root Application (slipway-managed, or a shared cluster's
# tenant's own), also after a failed wait (EXIT trap): never fails, so the tunnel is still closed after it.
report_status() {
  local app="${1:-slipway-managed}" state sync="" health="" revision=""
  if state="$(app_field "${app}" '{.status.sync.status} {.status.health.status} {.status.sync.revision}')"; then
    read -r sync health revision <<<"${state}"
  else
    error "could not read the status of ${app}"
  fi
  record_export ARGOCD_SYNC_STATUS "${sync:-Unknown}"
  record_export ARGOCD_HEALTH_STATUS "${health:-Unknown}"
  record_commit_sync
  info "${app}: sync ${sync:-Unknown} at ${revision:-no revision}, health ${health:-Unknown}"
}

# A shared cluster's tenant: its Application (generated by the cluster's slipway-tenants
# ApplicationSet from the directory we pushed), then every Application its own ApplicationSet implies.
wait_for_tenant_applications() {
  local deadline app entry
  deadline=$((SECONDS + SYNC_TIMEOUT))
  app="$(tenant_application)"
  wait_for_application "${app}" "the ApplicationSet slipway-tenants, once $(managed_path) is on $(gitops_branch)" "${deadline}"
  local -a expected
  mapfile -t expected < <(jq -r '.applications[] | "\(.name) \(.path)"' "$(expected_applications_file)")
  for entry in "${expected[@]}"; do
    wait_for_application "${entry%% *}" "the ApplicationSet ${SLIPWAY_ORGANIZATION}-${SLIPWAY_ENVIRONMENT}" "${deadline}" tenant-repository
  done
}

# The tenant part alone (a shared cluster's tenant): the organization's repository credential and
# its bundle through Git; Argo CD, monitoring and the cluster-wide objects are the cluster's.
main_tenant() {
  PUSHED_COMMIT="$(pushed_commit)"
  require_cmd jq aws git kubectl node session-manager-plugin timeout
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_SPEC SLIPWAY_GITOPS_REPOSITORY \
    SLIPWAY_GITOPS_USERNAME SLIPWAY_GITOPS_PASSWORD
  require_json "$(expected_applications_file)" '.applications | type == "array"' 'a list of expected Applications'
  protect_push_credential
  trap close_tunnel EXIT
  open_tunnel
  apply_tenant_repository_secret
  publish_bundle
  record_export TENANT_MANIFESTS_REVISION "${PUBLISHED_REVISION}"
  trap 'report_status "$(tenant_application)"; close_tunnel' EXIT
  wait_for_tenant_applications
}

main() {
  local part
  PUSHED_COMMIT="$(pushed_commit)"
  part="$(argocd_part)"
  if [[ "${part}" == tenant ]]; then
    main_tenant
    return 0
  fi
  require_cmd jq aws git kubectl node session-manager-plugin timeout
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_SPEC SLIPWAY_GITOPS_REPOSITORY SLIPWAY_ARGOCD_TOKEN \
    SLIPWAY_ALERTMANAGER_TOKEN SLIPWAY_GITOPS_USERNAME SLIPWAY_GITOPS_PASSWORD SLIPWAY_GITOPS_READ_USERNAME \
    SLIPWAY_GITOPS_READ_PASSWORD SLIPWAY_SECRETS_KMS_KEY_ID
  require_json "$(expected_applications_file)" '.applications | type == "array"' 'a list of expected Applications'
  protect_push_credential
  trap close_tunnel EXIT
  open_tunnel
  install_argocd
  store_admin_credentials
  apply_notifications_secret
  apply_alertmanager_secret
  apply_repository_secret
  # A shared cluster's platform part has no tenant, so no tenant repository.
  [[ "${part}" == platform ]] || apply_tenant_repository_secret
  apply_cluster_secret
  publish_bundle
  record_export TENANT_MANIFESTS_REVISION "${PUBLISHED_REVISION}"
  apply_bootstrap_applications
  # Record what Argo CD reports even when waiting fails, then fail the phase.
  trap 'report_status; close_tunnel' EXIT
  wait_for_applications "${PUBLISHED_REVISION}"
}

main "$@"
