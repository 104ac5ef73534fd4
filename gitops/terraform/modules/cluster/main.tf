# One Slipway environment: network, security groups and API load balancer, nodes. Everything
# that differs between tiers arrives in var.shape; everything else is decided here, once.

module "vpc" {
  source = "../vpc"

  name                    = var.name
  cidr                    = var.network.vpc_cidr
  availability_zone_count = var.shape.availability_zone_count
  nat_gateway_strategy    = var.shape.nat_gateway_strategy
  flow_logs = {
    retention_in_days = var.shape.flow_log_retention_days
  }
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = var.tags
}

module "security" {
  source = "../security"

  name                    = var.name
  vpc_id                  = module.vpc.vpc_id
  subnet_ids              = module.vpc.private_subnet_ids
  api_ingress_cidr_blocks = [module.vpc.vpc_cidr]
  cilium = {
    tunnel_protocol = "vxlan"
  }
  # A teardown run destroys the load balancer with the rest of the environment; deletion
  # protection would make every teardown a two-step manual job.
  deletion_protection = false
  tags                = var.tags
}

module "compute" {
  source = "../compute"

  name                             = var.name
  subnet_ids                       = module.vpc.private_subnet_ids
  control_plane                    = var.nodes.control_plane
  workers                          = var.nodes.workers
  control_plane_security_group_ids = [module.security.node_security_group_id, module.security.control_plane_security_group_id]
  worker_security_group_ids        = [module.security.node_security_group_id]
  api_target_group_arn             = module.security.api_target_group_arn
  root_volume = {
    size_gb = var.shape.root_volume_size_gb
  }
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = var.tags
}
