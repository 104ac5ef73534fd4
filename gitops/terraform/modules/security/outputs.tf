output "node_security_group_id" {
  description = "Security group of every node (kubelet, Cilium)."
  value       = aws_security_group.this.id
}

output "control_plane_security_group_id" {
  description = "Security group of the control-plane nodes (API server, etcd)."
  value       = aws_security_group.control_plane.id
}

output "api_lb_security_group_id" {
  description = "Security group of the internal API load balancer."
  value       = aws_security_group.api_lb.id
}

output "api_lb_arn" {
  description = "ARN of the internal network load balancer in front of the API servers."
  value       = aws_lb.api.arn
}

output "api_lb_dns_name" {
  description = "DNS name of the internal API load balancer (the cluster's controlPlaneEndpoint host)."
  value       = aws_lb.api.dns_name
}

output "api_lb_zone_id" {
  description = "Route 53 hosted zone of the API load balancer, for an alias record."
  value       = aws_lb.api.zone_id
}

output "api_port" {
  description = "TCP port of the Kubernetes API on the load balancer and on the control-plane nodes."
  value       = local.api_port
}

output "api_target_group_arn" {
  description = "ARN of the API target group (TCP 6443) the control-plane nodes register with."
  value       = aws_lb_target_group.api.arn
}

output "node_port_rule_ids" {
  description = "IDs of the NodePort ingress rules; empty when node_ports is disabled."
  value       = try([for rule in aws_vpc_security_group_ingress_rule.node_ports : rule.id], [])
}
