# SLIPWAY_SPEC (functions/domain/environment-spec.ts) → the root configuration's variables.
# A missing field fails here, naming the field, instead of surfacing later as an unset
# Terraform variable. $organization, $environment, $ssm_transfer_bucket and
# $permissions_boundary_arn come from --arg.
def need($path):
  getpath($path) as $value
  | if $value == null then error("SLIPWAY_SPEC has no .\($path | join("."))") else $value end;

{
  organization: $organization,
  environment: $environment,
  tier: need(["tier"]),
  region: need(["region"]),
  vpc_cidr: need(["network", "vpcCidr"]),
  pod_cidr: need(["network", "podCidr"]),
  service_cidr: need(["network", "serviceCidr"]),
  kubernetes_version: need(["kubernetesVersion"]),
  cilium_version: need(["ciliumVersion"]),
  control_plane: {
    count: need(["cluster", "controlPlane", "count"]),
    instance_type: need(["cluster", "controlPlane", "instanceType"])
  },
  workers: {
    count: need(["cluster", "workers", "count"]),
    instance_type: need(["cluster", "workers", "instanceType"])
  },
  # Optional: the ingress load balancer exists only when the spec names an ingress domain.
  ingress: (if .ingress == null then null
            else {domain: need(["ingress", "domain"]), hosted_zone_id: need(["ingress", "hostedZoneId"])} end),
  # Optional in the spec; the default is DEFAULT_LOG_RETENTION_DAYS (functions/domain/spec/logs.ts).
  log_retention_days: (.logs.retentionDays // 30),
  ssm_transfer_bucket: $ssm_transfer_bucket,
  permissions_boundary_arn: $permissions_boundary_arn
}
