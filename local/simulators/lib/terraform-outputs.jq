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
| {
    cluster_name: $cluster,
    region: $vars.region,
    vpc_id: ("vpc-" + $ids.vpc),
    api_endpoint: ("internal-" + $cluster + "-api-" + $ids.nlb + ".elb." + $vars.region + ".amazonaws.com"),
    api_port: 6443,
    api_nlb_arn: ("arn:aws:elasticloadbalancing:" + $vars.region + ":123456789012:loadbalancer/net/" + $cluster + "-api/" + $ids.nlb),
    control_plane_instance_ids: $ids.control_plane,
    worker_instance_ids: $ids.workers,
    ssm_transfer_bucket: $vars.ssm_transfer_bucket,
    ansible_inventory: {control_plane: $ids.control_plane, workers: $ids.workers},
    kubernetes_version: $vars.kubernetes_version,
    cilium_version: $vars.cilium_version,
    pod_cidr: $vars.pod_cidr,
    service_cidr: $vars.service_cidr,
    private_subnet_ids: $ids.subnets,
    nat_public_ips: $ids.nat_ips
  } as $known
| [$names[] | {key: ., value: ($known[.] // ("simulated-" + .) | typed)}]
| from_entries
