locals {
  cluster_name = "${var.organization}-${var.environment}"

  # Slipway's own tags are merged last so a caller's extra tags can never overwrite them.
  tags = merge(var.tags, {
    organization = var.organization
    environment  = var.environment
    tier         = var.tier
    cluster      = local.cluster_name
    managed-by   = "slipway"
  })

  # staging shares the prod shape but keeps its flow logs for a shorter time.
  flow_log_retention_days = var.tier == "prod" ? 365 : 90
}

# prod shape (also staging): one NAT gateway per zone, so losing a zone never cuts the other
# zones' egress; long log retention; larger root volumes for etcd and images.
module "vpc" {
  source = "../../modules/vpc"

  name                    = local.cluster_name
  cidr                    = var.vpc_cidr
  availability_zone_count = var.availability_zone_count
  nat_gateway_strategy    = "one_per_az"
  flow_logs = {
    retention_in_days = local.flow_log_retention_days
  }
  tags = local.tags
}

module "security" {
  source = "../../modules/security"

  name                    = local.cluster_name
  vpc_id                  = module.vpc.vpc_id
  subnet_ids              = module.vpc.private_subnet_ids
  api_ingress_cidr_blocks = [module.vpc.vpc_cidr]
  cilium = {
    tunnel_protocol = "vxlan"
  }
  # A teardown run destroys the load balancer with the rest of the environment; deletion
  # protection would make every teardown a two-step manual job.
  deletion_protection = false
  tags                = local.tags
}

module "compute" {
  source = "../../modules/compute"

  name                             = local.cluster_name
  subnet_ids                       = module.vpc.private_subnet_ids
  control_plane                    = var.control_plane
  workers                          = var.workers
  control_plane_security_group_ids = [module.security.node_security_group_id, module.security.control_plane_security_group_id]
  worker_security_group_ids        = [module.security.node_security_group_id]
  api_target_group_arn             = module.security.api_target_group_arn
  root_volume = {
    size_gb = 100
  }
  ssm_transfer_bucket      = var.ssm_transfer_bucket
  ssm_transfer_kms_key_arn = var.ssm_transfer_kms_key_arn
  tags                     = local.tags
}
