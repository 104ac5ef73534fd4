include "terraform-ids";

# `terraform output -json` of a simulated apply: every output the root configuration declares
# ($names), with deterministic values of the right shape, derived from the root's
# slipway.auto.tfvars.json (input) and the ids the simulator computed ($ids).
def typed: {value: ., sensitive: false, type: (
  if type == "string" then "string"
  elif type == "number" then "number"
  elif type == "boolean" then "bool"
  elif type == "array" then ["list", "string"]
  else ["object", (with_entries(.value = ["list", "string"]))] end)};

. as $vars
| ($vars.organization + "-" + $vars.environment) as $cluster
| (aws_assigned($vars; $ids) + {
    cluster_name: $cluster,
    region: $vars.region,
    api_port: 6443,
    ssm_transfer_bucket: $vars.ssm_transfer_bucket,
    kubernetes_version: $vars.kubernetes_version,
    cilium_version: $vars.cilium_version,
    pod_cidr: $vars.pod_cidr,
    service_cidr: $vars.service_cidr,
    tenant_secrets_role_arns: (if $vars.organization == "cluster" then {}
      else {($vars.organization): ("arn:aws:iam::123456789012:role/slipway/tenant-secrets/" + $cluster + "/" + $vars.organization + "/slipway-secrets-simulated")} end),
    tenant_secrets_shared_role_arn: (if $vars.organization == "cluster"
      then ("arn:aws:iam::123456789012:role/slipway/tenant-secrets/" + $cluster + "/slipway-secrets-simulated") else "" end),
    # modules/logs: a shared cluster's own run (organization "cluster") has no workloads group.
    log_groups: {
      workloads: (if $vars.organization == "cluster" then null else "/slipway/\($vars.organization)/\($vars.environment)/workloads" end),
      platform: "/slipway/\($vars.organization)/\($vars.environment)/platform",
      retention_days: ($vars.log_retention_days // 30),
      shared: ($vars.organization == "cluster")
    }
  }) as $known
| [$names[] | {key: ., value: ($known[.] // ("simulated-" + .) | typed)}]
| from_entries
