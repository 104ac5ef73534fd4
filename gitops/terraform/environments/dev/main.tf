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

module "cluster" {
  source = "../../modules/cluster"

  name = local.cluster_name
  network = {
    vpc_cidr     = var.vpc_cidr
    pod_cidr     = var.pod_cidr
    service_cidr = var.service_cidr
  }

  # dev shape: one NAT gateway shared by every zone, short log retention, small root volumes.
  # A zone outage may cut egress; dev accepts that to save the per-zone NAT cost.
  shape = {
    availability_zone_count = var.availability_zone_count
    nat_gateway_strategy    = "single"
    flow_log_retention_days = 14
    root_volume_size_gb     = 50
  }

  nodes = {
    control_plane = var.control_plane
    workers       = var.workers
  }
  ssm_transfer = {
    bucket      = var.ssm_transfer_bucket
    kms_key_arn = var.ssm_transfer_kms_key_arn
  }
  permissions_boundary_arn = var.permissions_boundary_arn
  tags                     = local.tags
}
