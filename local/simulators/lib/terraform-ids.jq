# The outputs of the environment root whose values only AWS assigns (ids, DNS names, addresses),
# for the terraform simulator: deterministic stand-ins of the right shape, from the root's tfvars
# ($vars) and the ids the simulator derived from them ($ids, see simulated_ids).
def aws_assigned($vars; $ids):
  ($vars.organization + "-" + $vars.environment) as $cluster
  | {
      vpc_id: ("vpc-" + $ids.vpc),
      api_endpoint: ("internal-" + $cluster + "-api-" + $ids.nlb + ".elb." + $vars.region + ".amazonaws.com"),
      api_nlb_arn: ("arn:aws:elasticloadbalancing:" + $vars.region + ":123456789012:loadbalancer/net/" + $cluster + "-api/" + $ids.nlb),
      control_plane_instance_ids: $ids.control_plane,
      worker_instance_ids: $ids.workers,
      ansible_inventory: {control_plane: $ids.control_plane, workers: $ids.workers},
      private_subnet_ids: $ids.subnets,
      nat_public_ips: $ids.nat_ips,
      # The node role's name_prefix (modules/compute) plus the 26 characters AWS appends.
      node_role_name: ($cluster + "-node-" + $ids.role),
      # modules/tenant-secrets' role of the organization, on its /slipway/tenant-secrets/<cluster>/<org>/
      # path (the mock provider gives every role one ARN, which the tenant renderer rightly refuses);
      # a shared cluster (organization `cluster`) has none of those, and one role for all its tenants
      # directly under /slipway/tenant-secrets/<cluster>/.
      tenant_secrets_role_arns: (if $vars.organization == "cluster" then {} else {
        ($vars.organization): ("arn:aws:iam::123456789012:role/slipway/tenant-secrets/" + $cluster + "/" + $vars.organization + "/slipway-secrets-" + $ids.role)
      } end),
      tenant_secrets_shared_role_arn: (if $vars.organization == "cluster"
        then ("arn:aws:iam::123456789012:role/slipway/tenant-secrets/" + $cluster + "/slipway-secrets-" + $ids.role)
        else "" end)
    }
    # modules/ingress, only with spec ingress: the load balancer's name and zone and its TLS
    # listener, which a shared cluster's tenants alias and add their certificates to (the shapes
    # the tenant-ingress step checks; the zone is eu-west-1's NLB zone, a stand-in for any region).
    + (if $vars.ingress == null then {} else {
        ingress_dns_name: ("ing-sim-0123456789abcdef.elb." + $vars.region + ".amazonaws.com"),
        ingress_zone_id: "Z215JYRZR1TBD5",
        ingress_tls_listener_arn: ("arn:aws:elasticloadbalancing:" + $vars.region
          + ":123456789012:listener/net/ing-sim/0123456789abcdef/fedcba9876543210")
      } end);
