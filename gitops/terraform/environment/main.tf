locals {
  cluster_name = "${var.organization}-${var.environment}"
  # A shared cluster is the environment <name> of the reserved organization `cluster`
  # (functions/domain/cluster.ts): it hosts tenants that run no Terraform of their own.
  shared_cluster = var.organization == "cluster"

  # Slipway's own tags are merged last so a caller's extra tags can never overwrite them.
  tags = merge(var.tags, {
    organization = var.organization
    environment  = var.environment
    tier         = var.tier
    cluster      = local.cluster_name
    managed-by   = "slipway"
  })
}

module "cluster" {
  source = "../modules/cluster"

  name = local.cluster_name
  network = {
    vpc_cidr     = var.vpc_cidr
    pod_cidr     = var.pod_cidr
    service_cidr = var.service_cidr
  }

  # The tier's shape (tiers.tf); the zone count may be narrowed by the spec within the tier's range.
  shape = {
    availability_zone_count = coalesce(var.availability_zone_count, local.tier.availability_zones.default)
    nat_gateway_strategy    = local.tier.nat_gateway_strategy
    flow_log_retention_days = local.tier.flow_log_retention_days
    root_volume_size_gb     = local.tier.root_volume_size_gb
  }

  nodes = {
    control_plane = var.control_plane
    workers       = var.workers
  }
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = local.tags
}

# External Secrets' roles: a dedicated environment's one organization gets a role of its own; a
# shared cluster gets one role for all its tenants, scoped per request by the session tag
# slipway-org (modules/tenant-secrets), so a tenant's placement needs no Terraform.
module "tenant_secrets" {
  source = "../modules/tenant-secrets"

  cluster_name             = local.cluster_name
  organizations            = local.shared_cluster ? [] : [var.organization]
  shared_tenants           = local.shared_cluster
  node_role_arn            = module.cluster.node_role_arn
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = local.tags
}

# The cluster's one ingress load balancer (Cilium's shared ingress behind it), with a certificate
# and alias record per organization: only when the spec names an ingress domain.
module "ingress" {
  source = "../modules/ingress"
  count  = var.ingress == null ? 0 : 1

  cluster_name           = local.cluster_name
  vpc_id                 = module.cluster.vpc_id
  subnet_ids             = module.cluster.public_subnet_ids
  node_security_group_id = module.cluster.node_security_group_id
  # Cilium's ingress NodePort answers on every node; workers carry the traffic when there are any.
  target_instance_ids = var.workers.count > 0 ? module.cluster.worker_instance_ids : module.cluster.control_plane_instance_ids
  target_count        = var.workers.count > 0 ? var.workers.count : var.control_plane.count
  domain              = var.ingress.domain
  hosted_zone_id      = var.ingress.hosted_zone_id
  organizations       = [var.organization]
  tags                = local.tags
}

# The environment's CloudWatch Logs groups (workloads, platform) and Fluent Bit's rights on the node
# role. A shared cluster is recorded as an environment of the reserved organization "cluster"
# (docs/clusters.md): its tenants' groups are created by its Fluent Bit when they are placed.
module "logs" {
  source = "../modules/logs"

  organization   = var.organization
  environment    = var.environment
  retention_days = var.log_retention_days
  shared         = var.organization == "cluster"
  node_role_name = module.cluster.node_role_name
  tags           = local.tags
}
