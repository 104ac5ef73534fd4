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
}

# dev shape: one NAT gateway shared by every zone, short log retention, small root volumes.
# A zone outage may cut egress; dev accepts that to save the per-zone NAT cost.
module "vpc" {
  source = "../../modules/vpc"

  name                    = local.cluster_name
  cidr                    = var.vpc_cidr
  availability_zone_count = var.availability_zone_count
  nat_gateway_strategy    = "single"
  flow_logs = {
    retention_in_days = 14
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
    size_gb = 50
  }
  ssm_transfer_bucket      = var.ssm_transfer_bucket
  ssm_transfer_kms_key_arn = var.ssm_transfer_kms_key_arn
  tags                     = local.tags
}
