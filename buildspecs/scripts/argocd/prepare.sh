#!/usr/bin/env bash
# pre_build: everything that needs no cluster. Checks the two GitOps credentials apart, fetches the
# Terraform outputs and the kubeconfig (pointed at the local end of the SSM tunnel), renders the
# tenant manifests and the expected Applications with the shared validator, and builds the bundle
# that will be committed to Git - all before a session is opened, so a bad spec or manifest fails
# the phase without touching the cluster.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The terraform phase publishes its outputs under the run; a resumed run may carry the key along.
fetch_terraform_outputs() {
  local key
  if ! key="$(previous_output TF_OUTPUTS_S3_KEY)"; then
    key="$(terraform_outputs_key)"
  fi
  info "fetching terraform outputs s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}"
  aws s3 cp "s3://${SLIPWAY_ARTIFACT_BUCKET}/${key}" "$(tf_outputs_file)" --only-show-errors
  local name
  for name in cluster_name api_endpoint control_plane_instance_ids region; do
    if ! tf_output "${name}" >/dev/null; then
      error "terraform output ${name} is missing from ${key}"
      return 1
    fi
  done
}

# SLIPWAY_KUBECONFIG is resolved by CodeBuild from Secrets Manager (a SECRETS_MANAGER variable set
# by the workflow to the ansible phase's KUBECONFIG_SECRET_ID); without it, read the secret by id.
# Either way the content goes straight to a 0600 file and is never printed.
write_kubeconfig() {
  local file secret_id
  file="$(kubeconfig_file)"
  (
    umask 077
    if [[ -n "${SLIPWAY_KUBECONFIG:-}" ]]; then
      printf '%s\n' "${SLIPWAY_KUBECONFIG}" >"${file}"
    else
      secret_id="$(jq -r '.KUBECONFIG_SECRET_ID // empty' <<<"${SLIPWAY_PREVIOUS_OUTPUTS}")"
      secret_id="${secret_id:-$(kubeconfig_secret_id)}"
      info "reading the kubeconfig from Secrets Manager (${secret_id})"
      aws secretsmanager get-secret-value --secret-id "${secret_id}" --query SecretString --output text >"${file}"
    fi
  )
  # The API server is reached at the local end of the tunnel; its certificate names the load
  # balancer, so TLS verifies against that name instead of 127.0.0.1.
  local cluster api_host
  cluster="$(kube config view --minify -o jsonpath='{.clusters[0].name}')"
  api_host="$(tf_output api_endpoint)"
  api_host="${api_host#https://}"
  api_host="${api_host%%:*}"
  kube config set-cluster "${cluster}" --server "https://127.0.0.1:$(tunnel_port)" --tls-server-name "${api_host}" >/dev/null
  info "kubeconfig points at the SSM tunnel 127.0.0.1:$(tunnel_port) (TLS name ${api_host})"
}

# The organization's External Secrets role on this cluster (Terraform output
# tenant_secrets_role_arns, one per organization): the tenant namespaces' SecretStores read through it.
tenant_secrets_role_arn() {
  local arn
  if ! arn="$(jq -er --arg org "${SLIPWAY_ORGANIZATION}" '.tenant_secrets_role_arns.value[$org] // empty' "$(tf_outputs_file)")"; then
    error "the Terraform outputs hold no tenant_secrets_role_arns entry for ${SLIPWAY_ORGANIZATION}: the tenant namespaces would get no SecretStore"
    return 1
  fi
  printf '%s' "${arn}"
}

# A shared cluster's one External Secrets role for all its tenants (Terraform output
# tenant_secrets_shared_role_arn of the cluster's run, handed on to the tenant): each tenant's
# SecretStores assume it with the session tag slipway-org = <organization>, which scopes what it reads.
tenant_secrets_shared_role_arn() {
  local arn
  if ! arn="$(jq -er '.tenant_secrets_shared_role_arn.value | select(. != null and . != "")' "$(tf_outputs_file)")"; then
    error "the shared cluster's Terraform outputs hold no tenant_secrets_shared_role_arn: its tenants' namespaces would get no SecretStore"
    return 1
  fi
  printf '%s' "${arn}"
}

# The tenant manifests, and beside them the names of the Applications Argo CD will generate from
# them (bootstrap.sh waits for exactly those). A spec the shared validator refuses fails here.
render_tenants() {
  local out applications
  out="$(bundle_dir)/tenants"
  applications="$(expected_applications_file)"
  rm -rf "$(bundle_dir)" "${applications}"
  mkdir -p "$(bundle_dir)"
  local part role=""
  part="$(argocd_part)"
  # The External Secrets role: the organization's own on a cluster of its own (part all); a shared
  # cluster's one tenant role for a tenant part (scoped by the session tag the renderer puts on the
  # store); a shared cluster's own run has no tenant, and no store.
  if [[ "${part}" == all ]]; then
    role="$(tenant_secrets_role_arn)"
  elif [[ "${part}" == tenant ]]; then
    role="$(tenant_secrets_shared_role_arn)"
  fi
  info "rendering the ${part} part of the manifests of $(environment_prefix)"
  SLIPWAY_TENANT_SECRETS_ROLE_ARN="${role}" \
    node "${CODEBUILD_SRC_DIR:-${PWD}}/dist/render-tenants.mjs" --out "${out}" --expected-applications "${applications}" \
    --part "${part}"
  # A shared cluster's own run carries no tenant, so it expects no tenant Application.
  local least=1
  [[ "${part}" == platform ]] && least=0
  require_json "${applications}" \
    ".applications | type == \"array\" and length >= ${least} and all(.name and .path)" \
    'a list of expected Applications'
}

# Argo CD gets the READ-ONLY credential (slipway/gitops-read-credentials); the push credential
# (slipway/gitops-credentials) never leaves this build. The same token in both secrets would
# hand every cluster the right to push, so that is refused before any cluster is touched.
check_gitops_credentials() {
  if [[ "${SLIPWAY_GITOPS_READ_PASSWORD}" == "${SLIPWAY_GITOPS_PASSWORD}" ]]; then
    error "slipway/gitops-read-credentials holds the push token of slipway/gitops-credentials: give Argo CD a read-only token"
    return 1
  fi
}

# Argo CD's single sign-on, from the same OpenID Connect issuer kube-apiserver trusts (the ansible
# phase passes the same SLIPWAY_OIDC_ISSUER_URL / SLIPWAY_OIDC_CLIENT_ID to it), so one sign-in
# carries the same groups to kubectl and to Argo CD. Prints nothing and changes nothing when OIDC
# is off (SLIPWAY_OIDC_ISSUER_URL unset or "disabled": only the admin account then signs in).
oidc_enabled() {
  [[ -n "${SLIPWAY_OIDC_ISSUER_URL:-}" && "${SLIPWAY_OIDC_ISSUER_URL}" != disabled ]]
}

check_oidc_settings() {
  if ! oidc_enabled; then
    info "WARNING - Argo CD single sign-on is off (SLIPWAY_OIDC_ISSUER_URL ${SLIPWAY_OIDC_ISSUER_URL:-unset}): only the admin account can sign in" >&2
    return 0
  fi
  if [[ ! "${SLIPWAY_OIDC_ISSUER_URL}" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%/-]*)?$ ]]; then
    error "SLIPWAY_OIDC_ISSUER_URL must be an https:// issuer URL, got '${SLIPWAY_OIDC_ISSUER_URL}'"
    return 1
  fi
  if [[ ! "${SLIPWAY_OIDC_CLIENT_ID:-}" =~ ^[A-Za-z0-9._:-]+$ ]]; then
    error "SLIPWAY_OIDC_CLIENT_ID must be set to the issuer's client id for Argo CD when SLIPWAY_OIDC_ISSUER_URL is"
    return 1
  fi
  if [[ ! "${SLIPWAY_OIDC_GROUPS_CLAIM:-cognito:groups}" =~ ^[A-Za-z0-9._:/-]+$ ]]; then
    error "SLIPWAY_OIDC_GROUPS_CLAIM must be a claim name, got '${SLIPWAY_OIDC_GROUPS_CLAIM}'"
    return 1
  fi
}

# argocd-cm's oidc.config as a patch of the component (oidc-argocd-cm.yaml; JSON is YAML). A public
# client with PKCE, as Cognito app clients without a secret are: no client secret to distribute.
# Argo CD has no public endpoint: people reach it through `kubectl port-forward`, so its URL (the
# redirect URI registered with the issuer) is https://localhost:8080 unless SLIPWAY_ARGOCD_URL says.
write_oidc_patch() {
  local file="$1"
  if ! oidc_enabled; then
    return 0
  fi
  jq -n --arg issuer "${SLIPWAY_OIDC_ISSUER_URL}" --arg client "${SLIPWAY_OIDC_CLIENT_ID}" \
    --arg url "${SLIPWAY_ARGOCD_URL:-https://localhost:8080}" '{
    apiVersion: "v1", kind: "ConfigMap", metadata: {name: "argocd-cm"},
    data: {
      url: $url,
      "oidc.config": ({
        name: "Slipway", issuer: $issuer, clientID: $client, enablePKCEAuthentication: true,
        requestedScopes: ["openid", "profile", "email"]
      } | tojson)
    }
  }' >"${file}"
}

# The cluster's identity in every Argo CD notification: argocd-notifications-cm's template context
# (notifications-context.yaml), read by the templates as .context.organization / .context.environment.
write_notifications_context() {
  local file="$1"
  jq -n --arg organization "${SLIPWAY_ORGANIZATION}" --arg environment "${SLIPWAY_ENVIRONMENT}" '{
    apiVersion: "v1", kind: "ConfigMap", metadata: {name: "argocd-notifications-cm"},
    data: {context: ({argocdUrl: "https://argocd-server.argocd.svc", organization: $organization, environment: $environment} | tojson)}
  }' >"${file}"
}

# Fluent Bit's parameters (gitops/kubernetes/logging/params.env) from the Terraform output
# log_groups (modules/logs) and the region. On a dedicated cluster, the events of its own tenant
# namespaces (the spec's, by full name) go to its workloads group. On a shared cluster (shared = true) Fluent
# Bit creates each tenant's workloads group with the cluster's retention, routed by the namespace's
# labels, and every event stays in the platform group: ^_$ matches no namespace name.
write_logging_params() {
  local file="$1" groups
  if ! groups="$(jq -ec '.log_groups.value | select(.platform)' "$(tf_outputs_file)")"; then
    error "the Terraform outputs hold no log_groups: run the terraform phase again (modules/logs creates the log groups)"
    return 1
  fi
  local platform workloads retention shared events
  platform="$(jq -r '.platform' <<<"${groups}")"
  retention="$(jq -r '.retention_days' <<<"${groups}")"
  shared="$(jq -r '.shared' <<<"${groups}")"
  if [[ "${shared}" == true ]]; then
    workloads="${platform}"
    events='^_$'
  else
    workloads="$(jq -r '.workloads' <<<"${groups}")"
    # The spec's namespaces by full name (DNS labels: no regex metacharacter), not a prefix that a
    # platform namespace could share (an environment kube/node and kube-node-lease).
    events="^($(jq -r --arg prefix "${SLIPWAY_ORGANIZATION}-${SLIPWAY_ENVIRONMENT}-" \
      '[.namespaces[].name | $prefix + .] | join("|")' <<<"${SLIPWAY_SPEC}"))\$"
  fi
  write_params "${file}" \
    "REGION=$(tf_output region)" \
    "WORKLOADS_LOG_GROUP=${workloads}" \
    "PLATFORM_LOG_GROUP=${platform}" \
    "TENANT_EVENT_NAMESPACES=${events}" \
    "CREATE_TENANT_GROUPS=${shared}" \
    "LOG_RETENTION_DAYS=${retention}"
  info "logs of this cluster: ${platform}$([[ "${shared}" == true ]] || printf ', %s' "${workloads}") (${retention} days)"
}

# A working copy of gitops/kubernetes with this environment's parameters in its env files and
# generated patches. The hook URLs are this cluster's own: <base>/<org>/<env>.
prepare_manifests() {
  local copy branch component
  copy="$(manifests_dir)"
  branch="${SLIPWAY_GITOPS_BRANCH:-main}"
  rm -rf "${copy}"
  cp -R "${KUBERNETES_DIR}" "${copy}"
  component="${copy}/argocd/components/slipway"
  write_params "${component}/params.env" \
    "ARGOCD_WEBHOOK_URL=$(cluster_hook_url "${SLIPWAY_ARGOCD_WEBHOOK_URL}")" \
    "OIDC_GROUPS_SCOPES=[${SLIPWAY_OIDC_GROUPS_CLAIM:-cognito:groups}]"
  write_oidc_patch "${component}/oidc-argocd-cm.yaml"
  write_notifications_context "${component}/notifications-context.yaml"
  write_params "${copy}/argocd/bootstrap/params.env" \
    "GITOPS_REPOSITORY=${SLIPWAY_GITOPS_REPOSITORY}" \
    "GITOPS_REVISION=${branch}" \
    "MANAGED_PATH=$(managed_path)"
  write_params "${copy}/monitoring/params.env" \
    "ALERTMANAGER_WEBHOOK_URL=$(cluster_hook_url "${SLIPWAY_ALERTMANAGER_WEBHOOK_URL}")" \
    "ORGANIZATION=${SLIPWAY_ORGANIZATION}" \
    "ENVIRONMENT=${SLIPWAY_ENVIRONMENT}"
  write_params "${copy}/storage/params.env" \
    "CLUSTER_NAME=$(tf_output cluster_name)" \
    "REGION=$(tf_output region)"
  if [[ "$(argocd_part)" != tenant ]]; then
    write_logging_params "${copy}/logging/params.env"
  fi
  info "hooks of this cluster: $(cluster_hook_url "${SLIPWAY_ARGOCD_WEBHOOK_URL}"), $(cluster_hook_url "${SLIPWAY_ALERTMANAGER_WEBHOOK_URL}")"
}

# The bundle committed to slipway-managed/<org>/<env>/: tenants plus the platform's Applications
# (monitoring; storage: the EBS CSI driver and the default StorageClass; secrets: External Secrets;
# logging: Fluent Bit).
build_bundle() {
  local bundle
  bundle="$(bundle_dir)"
  if [[ "$(argocd_part)" == tenant ]]; then
    build_tenant_bundle "${bundle}"
    return 0
  fi
  mkdir -p "${bundle}/platform"
  kubectl kustomize "$(manifests_dir)/monitoring" >"${bundle}/platform/monitoring.yaml"
  kubectl kustomize "$(manifests_dir)/storage" >"${bundle}/platform/storage.yaml"
  kubectl kustomize "$(manifests_dir)/secrets" >"${bundle}/platform/secrets.yaml"
  kubectl kustomize "$(manifests_dir)/logging" >"${bundle}/platform/logging.yaml"
  cat >"${bundle}/kustomization.yaml" <<'YAML'
# Rendered by Slipway's argocd-bootstrap phase; reconciled by the slipway-managed Application.
# Do not edit: the next run replaces this directory.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - tenants
  - platform/monitoring.yaml
  - platform/storage.yaml
  - platform/secrets.yaml
  - platform/logging.yaml
YAML
  info "bundle builds: $(kubectl kustomize "${bundle}" | grep -c '^kind:') objects"
  # Offline builds of what bootstrap applies, so a broken parameter fails here.
  kubectl kustomize "$(manifests_dir)/argocd/bootstrap" >/dev/null
  kubectl kustomize "$(manifests_dir)/argocd/offline" >/dev/null
}

# A shared cluster's tenant: its objects alone; the cluster's platform part owns the rest.
build_tenant_bundle() {
  local bundle="$1"
  cat >"${bundle}/kustomization.yaml" <<'YAML'
# Rendered by Slipway's argocd-bootstrap phase (tenant part); reconciled by the shared cluster's
# slipway-tenants ApplicationSet. Do not edit: the next run replaces this directory.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - tenants
YAML
  info "tenant bundle builds: $(kubectl kustomize "${bundle}" | grep -c '^kind:') objects, for $(managed_path)"
}

main() {
  require_cmd jq aws node kubectl
  require_env SLIPWAY_ORGANIZATION SLIPWAY_ENVIRONMENT SLIPWAY_RUN_ID SLIPWAY_SPEC SLIPWAY_PREVIOUS_OUTPUTS \
    SLIPWAY_ARTIFACT_BUCKET SLIPWAY_ARGOCD_WEBHOOK_URL SLIPWAY_ALERTMANAGER_WEBHOOK_URL SLIPWAY_GITOPS_REPOSITORY \
    SLIPWAY_GITOPS_PASSWORD SLIPWAY_GITOPS_READ_USERNAME SLIPWAY_GITOPS_READ_PASSWORD
  # A bad SLIPWAY_COMMIT fails here, before any session, push or kubectl call.
  pushed_commit >/dev/null
  check_gitops_credentials
  check_oidc_settings
  protect_push_credential
  ensure_phase_dir
  : >"$(exports_file)"
  fetch_terraform_outputs
  write_kubeconfig
  render_tenants
  prepare_manifests
  build_bundle
}

main "$@"
