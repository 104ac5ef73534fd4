# Everything an environment root publishes (see its outputs.tf) except the spec values it passes
# through untouched (region, versions, transfer bucket).

output "cluster_name" {
  description = "Name of the cluster, <organization>-<environment>."
  value       = var.name
}

output "vpc_id" {
  description = "ID of the cluster's VPC."
  value       = module.vpc.vpc_id
}

output "api_endpoint" {
  description = "DNS name of the internal API network load balancer (host only; port in api_port)."
  value       = module.security.api_lb_dns_name
}

output "api_port" {
  description = "TCP port of the Kubernetes API behind api_endpoint."
  value       = module.security.api_port
}

output "api_nlb_arn" {
  description = "ARN of the internal API network load balancer."
  value       = module.security.api_lb_arn
}

output "control_plane_instance_ids" {
  description = "EC2 instance ids of the control-plane nodes, in node order (the first one initialises the cluster)."
  value       = module.compute.control_plane_instance_ids
}

output "worker_instance_ids" {
  description = "EC2 instance ids of the worker nodes, in node order; empty without workers."
  value       = module.compute.worker_instance_ids
}

output "ansible_inventory" {
  description = "Node instance ids by Ansible group: control_plane (first = init node) and workers."
  value = {
    control_plane = module.compute.control_plane_instance_ids
    workers       = module.compute.worker_instance_ids
  }
}

output "pod_cidr" {
  description = "Pod CIDR, checked against the VPC and service CIDRs."
  value       = var.network.pod_cidr
}

output "service_cidr" {
  description = "Service CIDR, checked against the VPC and pod CIDRs."
  value       = var.network.service_cidr
}

output "private_subnet_ids" {
  description = "Private subnets of the cluster, one per availability zone."
  value       = module.vpc.private_subnet_ids
}

output "nat_public_ips" {
  description = "Egress addresses of the cluster (one per NAT gateway)."
  value       = module.vpc.nat_public_ips
}

output "node_role_name" {
  description = "Name of the IAM role the nodes run with."
  value       = module.compute.node_role_name
}

output "node_role_arn" {
  description = "ARN of the IAM role the nodes run with (trusted by the tenant secret roles)."
  value       = module.compute.node_role_arn
}

output "public_subnet_ids" {
  description = "Public subnets of the cluster, one per availability zone (NAT gateways, the ingress load balancer)."
  value       = module.vpc.public_subnet_ids
}

output "node_security_group_id" {
  description = "Security group of every node."
  value       = module.security.node_security_group_id
}
