# What the tier decides, in one place: every other line of this root is the same for dev, staging
# and prod. staging gets the prod shape (NAT gateway per zone, three zones by default) so it
# rehearses what prod runs; only its log retention is shorter. Adding a tier is adding an entry.
locals {
  tiers = {
    # One NAT gateway shared by every zone, short log retention, small root volumes. A zone outage
    # may cut egress; dev accepts that to save the per-zone NAT cost.
    dev = {
      availability_zones      = { default = 2, allowed = [1, 2, 3] }
      nat_gateway_strategy    = "single"
      flow_log_retention_days = 14
      root_volume_size_gb     = 50
      min_control_plane_nodes = 1
    }
    # One NAT gateway per zone, so losing a zone never cuts the other zones' egress; at least two
    # zones; larger root volumes for etcd and images.
    staging = {
      availability_zones      = { default = 3, allowed = [2, 3] }
      nat_gateway_strategy    = "one_per_az"
      flow_log_retention_days = 90
      root_volume_size_gb     = 100
      min_control_plane_nodes = 1
    }
    # As staging, with a year of flow logs and an etcd quorum that survives losing a member.
    prod = {
      availability_zones      = { default = 3, allowed = [2, 3] }
      nat_gateway_strategy    = "one_per_az"
      flow_log_retention_days = 365
      root_volume_size_gb     = 100
      min_control_plane_nodes = 3
    }
  }

  tier = local.tiers[var.tier]
}
