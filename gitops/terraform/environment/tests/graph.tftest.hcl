# The planned graph of one environment, with an offline AWS (mocks.tfmock.hcl). Run by
# test/gitops/terraform/terraform-test.test.ts: terraform init -backend=false -plugin-dir=<mirror>,
# then terraform test.

mock_provider "aws" {
  source = "./tests"
}

variables {
  organization             = "acme"
  environment              = "prod"
  tier                     = "prod"
  region                   = "eu-west-1"
  vpc_cidr                 = "10.40.0.0/16"
  pod_cidr                 = "10.244.0.0/16"
  service_cidr             = "10.96.0.0/12"
  kubernetes_version       = "1.31"
  cilium_version           = "1.17"
  control_plane            = { count = 3, instance_type = "m6i.large" }
  workers                  = { count = 2, instance_type = "m6i.xlarge" }
  ssm_transfer_bucket      = "slipway-artifacts-123456789012"
  permissions_boundary_arn = "arn:aws:iam::123456789012:policy/slipway/node-boundary"
}

# The whole root: every module, validation and for_each evaluates, and the outputs later phases
# read have their contract shape.
run "prod_root" {
  command = apply

  assert {
    condition     = length(output.ansible_inventory.control_plane) == 3 && length(output.ansible_inventory.workers) == 2
    error_message = "ansible_inventory must list 3 control-plane nodes and 2 workers."
  }

  assert {
    condition     = output.cluster_name == "acme-prod"
    error_message = "cluster_name must be <organization>-<environment>."
  }

  assert {
    condition     = length(output.private_subnet_ids) == 3 && length(output.nat_public_ips) == 3
    error_message = "prod spreads over 3 zones with one NAT gateway each (tiers.tf)."
  }

  assert {
    condition     = output.log_groups == { workloads = "/slipway/acme/prod/workloads", platform = "/slipway/acme/prod/platform", retention_days = 30, shared = false }
    error_message = "A dedicated environment gets its workloads and platform log groups under /slipway/<org>/<env>/, with the default retention of 30 days."
  }
}

# The spec's logs.retentionDays reaches the groups; the shared cluster's own run (organization
# "cluster") lets its Fluent Bit create the tenants' groups.
run "shared_cluster_root_log_groups" {
  command = apply

  variables {
    organization       = "cluster"
    environment        = "shared-eu"
    log_retention_days = 90
  }

  assert {
    condition     = output.log_groups == { workloads = null, platform = "/slipway/cluster/shared-eu/platform", retention_days = 90, shared = true }
    error_message = "A shared cluster's own run has only its platform group; its tenants' groups come from Fluent Bit with the cluster's retention."
  }
}

run "log_retention_outside_cloudwatch_values_is_refused" {
  command = plan

  variables {
    log_retention_days = 31
  }

  expect_failures = [var.log_retention_days]
}

run "dev_root_takes_the_dev_shape" {
  command = apply

  variables {
    environment   = "dev"
    tier          = "dev"
    control_plane = { count = 1, instance_type = "m6i.large" }
    workers       = { count = 0, instance_type = "m6i.large" }
  }

  assert {
    condition     = length(output.private_subnet_ids) == 2 && length(output.nat_public_ips) == 1
    error_message = "dev spreads over 2 zones behind a single NAT gateway (tiers.tf)."
  }

  assert {
    condition     = length(output.worker_instance_ids) == 0
    error_message = "A dev environment without workers has no worker instance."
  }
}

run "prod_refuses_a_single_control_plane_node" {
  command = plan

  variables {
    control_plane = { count = 1, instance_type = "m6i.large" }
  }

  expect_failures = [var.control_plane]
}

run "prod_refuses_a_single_zone" {
  command = plan

  variables {
    availability_zone_count = 1
  }

  expect_failures = [var.availability_zone_count]
}

run "unknown_tier_is_refused" {
  command = plan

  variables {
    tier = "qa"
  }

  expect_failures = [var.tier]
}

# Network module: private subnets for nodes, every resource tagged, no ingress on 22.
run "vpc" {
  command = apply

  module {
    source = "./../modules/vpc"
  }

  variables {
    name                    = "acme-prod"
    cidr                    = "10.40.0.0/16"
    availability_zone_count = 3
    nat_gateway_strategy    = "one_per_az"
    tags                    = { organization = "acme", environment = "prod", managed-by = "slipway" }
  }

  assert {
    condition     = alltrue([for subnet in aws_subnet.private : subnet.map_public_ip_on_launch != true])
    error_message = "Private subnets must never assign public addresses."
  }

  assert {
    condition     = length(aws_route.private_nat) == 3 && alltrue([for route in aws_route.private_nat : route.gateway_id == null && route.nat_gateway_id != null])
    error_message = "Private subnets (the nodes' only subnets) reach the internet through NAT only, never an internet gateway."
  }

  assert {
    condition     = alltrue([for rule in [aws_vpc_security_group_ingress_rule.endpoints_https] : rule.ip_protocol != "-1" && !(rule.from_port <= 22 && rule.to_port >= 22)])
    error_message = "No ingress rule may open port 22."
  }

  assert {
    condition = alltrue([for tags in concat(
      [aws_vpc.this.tags, aws_default_security_group.this.tags, aws_internet_gateway.this.tags, aws_route_table.public.tags],
      [aws_cloudwatch_log_group.flow_logs.tags, aws_iam_role.flow_logs.tags, aws_flow_log.this.tags],
      [aws_security_group.endpoints.tags, aws_vpc_security_group_ingress_rule.endpoints_https.tags, aws_vpc_endpoint.s3.tags],
      [for subnet in aws_subnet.private : subnet.tags], [for subnet in aws_subnet.public : subnet.tags],
      [for eip in aws_eip.nat : eip.tags], [for nat in aws_nat_gateway.this : nat.tags],
      [for table in aws_route_table.private : table.tags], [for endpoint in aws_vpc_endpoint.ssm : endpoint.tags],
    ) : tags["managed-by"] == "slipway" && tags["organization"] == "acme" && tags["environment"] == "prod"])
    error_message = "Every taggable resource of the vpc module must carry organization, environment and managed-by = slipway."
  }

  assert {
    condition     = aws_iam_role.flow_logs.permissions_boundary == var.permissions_boundary_arn
    error_message = "The flow-log role must carry the permissions boundary."
  }
}

# Security groups and the API load balancer: internal NLB, no ingress on 22, metrics reachable
# from the nodes only.
run "security" {
  command = apply

  module {
    source = "./../modules/security"
  }

  variables {
    name                    = "acme-prod"
    vpc_id                  = "vpc-0123456789abcdef0"
    subnet_ids              = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    api_ingress_cidr_blocks = ["10.40.0.0/16"]
    node_ports              = { enabled = true, cidr_blocks = ["10.40.0.0/16"] }
    tags                    = { organization = "acme", environment = "prod", managed-by = "slipway" }
  }

  assert {
    condition     = aws_lb.api.internal && aws_lb.api.load_balancer_type == "network"
    error_message = "The API load balancer must be an internal network load balancer."
  }

  assert {
    condition = alltrue([for rule in concat(
      values(aws_vpc_security_group_ingress_rule.node_to_node), values(aws_vpc_security_group_ingress_rule.node_ports),
      values(aws_vpc_security_group_ingress_rule.control_plane_metrics), values(aws_vpc_security_group_ingress_rule.api_lb_clients),
      [aws_vpc_security_group_ingress_rule.api_from_nodes, aws_vpc_security_group_ingress_rule.api_from_lb, aws_vpc_security_group_ingress_rule.etcd],
    ) : rule.ip_protocol != "-1" && (rule.ip_protocol == "icmp" || !(rule.from_port <= 22 && rule.to_port >= 22))])
    error_message = "No ingress rule may open port 22 (or every port)."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.node_to_node["node-exporter"].from_port == 9100 && aws_vpc_security_group_ingress_rule.node_to_node["node-exporter"].referenced_security_group_id == aws_security_group.this.id
    error_message = "node-exporter (9100) must be reachable between the cluster's nodes."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.node_to_node["hubble-metrics"].from_port == 9965 && aws_vpc_security_group_ingress_rule.node_to_node["hubble-metrics"].referenced_security_group_id == aws_security_group.this.id && aws_vpc_security_group_ingress_rule.node_to_node["hubble"].from_port == 4244
    error_message = "Hubble's relay peer port (4244) and metrics (9965) must be reachable between the cluster's nodes."
  }

  assert {
    condition = alltrue([for name, port in { kube-controller-manager = 10257, kube-scheduler = 10259, etcd-metrics = 2381 } :
      aws_vpc_security_group_ingress_rule.control_plane_metrics[name].from_port == port &&
      aws_vpc_security_group_ingress_rule.control_plane_metrics[name].security_group_id == aws_security_group.control_plane.id &&
    aws_vpc_security_group_ingress_rule.control_plane_metrics[name].referenced_security_group_id == aws_security_group.this.id])
    error_message = "Scheduler (10259), controller-manager (10257) and etcd metrics (2381) must be open on the control plane to the cluster's nodes only."
  }

  assert {
    condition = alltrue([for tags in concat(
      [aws_security_group.this.tags, aws_security_group.control_plane.tags, aws_security_group.api_lb.tags],
      [aws_lb.api.tags, aws_lb_target_group.api.tags, aws_lb_listener.api.tags, aws_vpc_security_group_egress_rule.nodes_all.tags],
      [aws_vpc_security_group_egress_rule.api_lb_to_control_plane.tags, aws_vpc_security_group_ingress_rule.etcd.tags],
      [aws_vpc_security_group_ingress_rule.api_from_nodes.tags, aws_vpc_security_group_ingress_rule.api_from_lb.tags],
      [for rule in aws_vpc_security_group_ingress_rule.node_to_node : rule.tags], [for rule in aws_vpc_security_group_ingress_rule.node_ports : rule.tags],
      [for rule in aws_vpc_security_group_ingress_rule.control_plane_metrics : rule.tags], [for rule in aws_vpc_security_group_ingress_rule.api_lb_clients : rule.tags],
    ) : tags["managed-by"] == "slipway" && tags["organization"] == "acme"])
    error_message = "Every taggable resource of the security module must carry organization, environment and managed-by = slipway."
  }
}

# Nodes: private subnets only, IMDSv2, the boundary on the node role, tags.
run "compute" {
  command = apply

  module {
    source = "./../modules/compute"
  }

  variables {
    name                             = "acme-prod"
    subnet_ids                       = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    control_plane                    = { count = 3, instance_type = "m6i.large" }
    workers                          = { count = 2, instance_type = "m6i.xlarge" }
    control_plane_security_group_ids = ["sg-0123456789abcdef0", "sg-0123456789abcdef1"]
    worker_security_group_ids        = ["sg-0123456789abcdef0"]
    api_target_group_arn             = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-0001/0123456789abcdef"
    tags                             = { organization = "acme", environment = "prod", managed-by = "slipway" }
  }

  assert {
    condition     = length(aws_instance.this) == 5 && alltrue([for node in aws_instance.this : contains(var.subnet_ids, node.subnet_id) && !node.associate_public_ip_address])
    error_message = "Every node must sit in one of the private subnets, without a public address."
  }

  assert {
    condition     = alltrue([for node in aws_instance.this : node.metadata_options[0].http_tokens == "required" && node.metadata_options[0].http_put_response_hop_limit == 2 && node.metadata_options[0].http_protocol_ipv6 == "disabled"])
    error_message = "Every node must require IMDSv2 with a hop limit of 2 (platform pods one hop away, tenants fenced by Cilium) and no IPv6 metadata endpoint."
  }

  assert {
    condition     = aws_iam_role.node.permissions_boundary == var.permissions_boundary_arn && aws_iam_role.node.path == "/slipway/"
    error_message = "The node role must carry the permissions boundary, under /slipway/."
  }

  assert {
    condition = alltrue([for tags in concat(
      [aws_iam_role.node.tags, aws_iam_instance_profile.node.tags, aws_placement_group.control_plane.tags],
      [for node in aws_instance.this : node.tags], [for node in aws_instance.this : node.root_block_device[0].tags],
    ) : tags["managed-by"] == "slipway" && tags["organization"] == "acme"])
    error_message = "Every taggable resource of the compute module must carry organization, environment and managed-by = slipway."
  }

  assert {
    condition     = alltrue([for node in aws_instance.this : node.tags["kubernetes.io/cluster/acme-prod"] == "owned"])
    error_message = "Every node carries the cluster tag the EBS CSI policy scopes attachments by."
  }

  assert {
    condition     = aws_iam_role_policy.ebs_csi.role == aws_iam_role.node.id && aws_iam_role_policy.ebs_csi.name == "ebs-csi-driver"
    error_message = "The node role carries the EBS CSI driver's policy."
  }

  assert {
    condition     = data.aws_iam_policy_document.tenant_secrets.statement[0].resources == toset(["arn:aws:iam::123456789012:role/slipway/tenant-secrets/acme-prod/*"]) && data.aws_iam_policy_document.tenant_secrets.statement[0].actions == toset(["sts:AssumeRole"])
    error_message = "The node role may assume only its own cluster's tenant secret roles."
  }

  assert {
    condition = (data.aws_iam_policy_document.tenant_secrets.statement[1].actions == toset(["sts:TagSession"])
      && data.aws_iam_policy_document.tenant_secrets.statement[1].resources == toset(["arn:aws:iam::123456789012:role/slipway/tenant-secrets/acme-prod/*"])
      && one(data.aws_iam_policy_document.tenant_secrets.statement[1].condition).variable == "aws:TagKeys"
      && one(data.aws_iam_policy_document.tenant_secrets.statement[1].condition).test == "ForAllValues:StringEquals"
    && tolist(one(data.aws_iam_policy_document.tenant_secrets.statement[1].condition).values) == tolist(["slipway-org"]))
    error_message = "The node role may tag its sessions on its own cluster's tenant secret roles with slipway-org only."
  }
}

# External Secrets' per-organization roles (each reads its own prefix only, slash-terminated: acme is
# not a prefix of acme-corp) and a shared cluster's one tenant role (reads the prefix its session tag
# names; assumed by the node role only with that one tag); all trust only the node role and carry
# the boundary.
run "tenant_secrets" {
  command = apply

  module {
    source = "./../modules/tenant-secrets"
  }

  variables {
    cluster_name             = "shared-prod"
    organizations            = ["acme", "acme-corp"]
    shared_tenants           = true
    node_role_arn            = "arn:aws:iam::123456789012:role/slipway/shared-prod-node-0001"
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/slipway/node-boundary"
    tags                     = { organization = "acme", environment = "prod", managed-by = "slipway" }
  }

  assert {
    condition = alltrue([for org in ["acme", "acme-corp"] :
      data.aws_iam_policy_document.read[org].statement[0].resources == toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway-tenants/${org}/*"])
      && data.aws_iam_policy_document.read[org].statement[0].actions == toset(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"])
    ])
    error_message = "Each organization's role reads slipway-tenants/<organization>/* and nothing else."
  }

  assert {
    condition     = one(one(data.aws_iam_policy_document.assume.statement).principals).identifiers == toset([var.node_role_arn])
    error_message = "The tenant secret roles trust the cluster's node role only."
  }

  assert {
    condition = alltrue([for org, role in aws_iam_role.this :
      role.permissions_boundary == var.permissions_boundary_arn && role.path == "/slipway/tenant-secrets/shared-prod/${org}/" && length(role.name) <= 64
    ]) && aws_iam_role.this["acme"].name != aws_iam_role.this["acme-corp"].name
    error_message = "Each role carries the boundary, lives under its cluster's and organization's path, and has its own name."
  }

  assert {
    condition     = output.secret_prefixes == { acme = "slipway-tenants/acme/", acme-corp = "slipway-tenants/acme-corp/" }
    error_message = "Prefixes are slash-terminated per organization."
  }

  assert {
    condition = (data.aws_iam_policy_document.read_tagged.statement[0].resources == toset(["arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway-tenants/$${aws:PrincipalTag/slipway-org}/*"])
    && data.aws_iam_policy_document.read_tagged.statement[0].actions == toset(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]))
    error_message = "The shared tenant role reads slipway-tenants/<the session's slipway-org tag>/* and nothing else."
  }

  assert {
    condition = (one(one(data.aws_iam_policy_document.assume_tagged.statement).principals).identifiers == toset([var.node_role_arn])
      && one(data.aws_iam_policy_document.assume_tagged.statement).actions == toset(["sts:AssumeRole", "sts:TagSession"])
      && length(one(data.aws_iam_policy_document.assume_tagged.statement).condition) == 2
      && alltrue([for c in one(data.aws_iam_policy_document.assume_tagged.statement).condition :
        (c.variable == "aws:RequestTag/slipway-org" && c.test == "StringLike" && tolist(c.values) == tolist(["?*"]))
        || (c.variable == "aws:TagKeys" && c.test == "ForAllValues:StringEquals" && tolist(c.values) == tolist(["slipway-org"]))
    ]))
    error_message = "The shared tenant role trusts the node role only, and only with the session tag slipway-org and no other."
  }

  assert {
    condition = (length(aws_iam_role.shared) == 1 && aws_iam_role.shared[0].path == "/slipway/tenant-secrets/shared-prod/"
      && aws_iam_role.shared[0].permissions_boundary == var.permissions_boundary_arn && length(aws_iam_role.shared[0].name) <= 64
    && aws_iam_role_policy.shared[0].policy == data.aws_iam_policy_document.read_tagged.json)
    error_message = "The shared tenant role sits directly under its cluster's path, carries the boundary and the tag-scoped read policy."
  }
}

# The root with an ingress domain: one load balancer, one host pattern for the organization.
run "prod_root_with_ingress" {
  command = plan

  variables {
    ingress = { domain = "apps.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" }
  }

  assert {
    condition     = output.ingress_hosts == { acme = "*.acme.apps.example.com" }
    error_message = "A dedicated environment serves *.<organization>.<domain> of its own organization only."
  }

  assert {
    condition     = length(module.ingress) == 1
    error_message = "spec ingress creates the cluster's one ingress load balancer."
  }
}

run "ingress_refuses_a_wildcard_domain" {
  command = plan

  variables {
    ingress = { domain = "*.apps.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" }
  }

  expect_failures = [var.ingress]
}

# Ingress module on a cluster hosting two organizations whose names share a prefix: each gets its
# own certificate and alias record, and none of them names the other's hosts.
run "ingress" {
  command = apply

  module {
    source = "./../modules/ingress"
  }

  variables {
    cluster_name           = "shared-prod"
    vpc_id                 = "vpc-0123456789abcdef0"
    subnet_ids             = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    node_security_group_id = "sg-0123456789abcdef0"
    target_instance_ids    = ["i-0123456789abcdef0", "i-0123456789abcdef1", "i-0123456789abcdef2"]
    target_count           = 3
    domain                 = "apps.example.com"
    hosted_zone_id         = "Z0123456789ABCDEFGHIJ"
    organizations          = ["acme", "acme-corp"]
    tags                   = { organization = "cluster", environment = "shared-prod", managed-by = "slipway" }
  }

  assert {
    condition = alltrue([for org in ["acme", "acme-corp"] :
      aws_acm_certificate.this[org].domain_name == "*.${org}.apps.example.com"
      && length(aws_acm_certificate.this[org].subject_alternative_names) <= 1
      && aws_acm_certificate.this[org].tags["ingress-organization"] == org
      && aws_route53_record.hosts[org].name == "*.${org}.apps.example.com"
      && aws_route53_record.hosts[org].zone_id == var.hosted_zone_id
    ])
    error_message = "Each organization's certificate and alias record cover *.<organization>.<domain> and nothing else."
  }

  assert {
    condition = (
      aws_lb_listener.https.certificate_arn == aws_acm_certificate_validation.this["acme"].certificate_arn
      && keys(aws_lb_listener_certificate.organizations) == ["acme-corp"]
    )
    error_message = "The TLS listener serves every organization's certificate: the first as default, the others by SNI."
  }

  assert {
    condition = (
      aws_lb.this.internal == false && aws_lb.this.load_balancer_type == "network"
      && aws_lb_listener.http.port == 80 && aws_lb_listener.http.protocol == "TCP"
      && aws_lb_listener.https.port == 443 && aws_lb_listener.https.protocol == "TLS"
      && aws_lb_target_group.http.port == 30080 && length(aws_lb_target_group_attachment.nodes) == 3
    )
    error_message = "One internet-facing NLB: TCP 80 and TLS 443 to Cilium's ingress NodePort 30080 on every given node."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.nodes_from_lb.from_port == 30080
      && aws_vpc_security_group_ingress_rule.nodes_from_lb.to_port == 30080
      && aws_vpc_security_group_ingress_rule.nodes_from_lb.referenced_security_group_id == aws_security_group.this.id
      && aws_vpc_security_group_ingress_rule.nodes_from_lb.cidr_ipv4 == null
    )
    error_message = "The nodes open the one ingress NodePort, to the load balancer's security group only."
  }
}

# Log groups and Fluent Bit's rights on the node role. Dedicated: its own two groups only, write
# only. IAM's "*" spans "/", so the patterns are checked against neighbours' names in
# test/gitops/kubernetes/logs.test.ts; here the module's real statements.
run "logs_dedicated" {
  command = apply

  module {
    source = "./../modules/logs"
  }

  variables {
    organization   = "acme"
    environment    = "prod"
    retention_days = 14
    node_role_name = "acme-prod-node-0001"
    tags           = { organization = "acme", environment = "prod", managed-by = "slipway" }
  }

  assert {
    condition     = { for key, group in aws_cloudwatch_log_group.this : key => [group.name, group.retention_in_days] } == { workloads = ["/slipway/acme/prod/workloads", 14], platform = ["/slipway/acme/prod/platform", 14] }
    error_message = "A dedicated environment's groups are /slipway/<org>/<env>/workloads and /platform with the spec's retention."
  }

  assert {
    condition = length(data.aws_iam_policy_document.fluent_bit.statement) == 1 && alltrue([for statement in data.aws_iam_policy_document.fluent_bit.statement :
      statement.actions == toset(["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"])
      && statement.resources == toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/slipway/acme/prod/workloads:*", "arn:aws:logs:eu-west-1:123456789012:log-group:/slipway/acme/prod/platform:*"])
    ])
    error_message = "A dedicated environment's node role may create streams in and write to its own two groups only: no CreateLogGroup, no read, no wildcard group."
  }

  assert {
    condition     = aws_iam_role_policy.fluent_bit.role == var.node_role_name && alltrue([for group in aws_cloudwatch_log_group.this : group.tags["managed-by"] == "slipway" && group.tags["organization"] == "acme"])
    error_message = "The policy is on the node role, and the groups carry Slipway's tags."
  }
}

run "logs_shared_cluster" {
  command = apply

  module {
    source = "./../modules/logs"
  }

  variables {
    organization   = "cluster"
    environment    = "shared-eu"
    retention_days = 90
    shared         = true
    node_role_name = "cluster-shared-eu-node-0001"
    tags           = { organization = "cluster", environment = "shared-eu", managed-by = "slipway" }
  }

  assert {
    condition     = keys(aws_cloudwatch_log_group.this) == ["platform"] && aws_cloudwatch_log_group.this["platform"].name == "/slipway/cluster/shared-eu/platform"
    error_message = "A shared cluster's Terraform creates its platform group only."
  }

  assert {
    condition = length(data.aws_iam_policy_document.fluent_bit.statement) == 3 && alltrue([
      for index, expected in [
        { sid = "ShipToOwnGroups", actions = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/slipway/cluster/shared-eu/platform:*"] },
        { sid = "CreateTenantGroups", actions = ["logs:CreateLogGroup", "logs:PutRetentionPolicy"], resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/slipway/*/*/workloads", "arn:aws:logs:eu-west-1:123456789012:log-group:/slipway/*/*/workloads:*"] },
        { sid = "ShipToTenantGroups", actions = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/slipway/*/*/workloads:*"] },
      ] :
      data.aws_iam_policy_document.fluent_bit.statement[index].sid == expected.sid
      && data.aws_iam_policy_document.fluent_bit.statement[index].actions == toset(expected.actions)
      && data.aws_iam_policy_document.fluent_bit.statement[index].resources == toset(expected.resources)
    ])
    error_message = "A shared cluster's node role may create and write tenants' workloads groups (never a platform or flow-log group of another cluster) and its own platform group; nothing else."
  }
}
