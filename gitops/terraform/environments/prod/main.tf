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

  # prod shape (also staging): one NAT gateway per zone, so losing a zone never cuts the other
  # zones' egress; long log retention (shorter for staging); larger root volumes for etcd and
  # images.
  shape = {
    availability_zone_count = var.availability_zone_count
    nat_gateway_strategy    = "one_per_az"
    flow_log_retention_days = var.tier == "prod" ? 365 : 90
    root_volume_size_gb     = 100
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
