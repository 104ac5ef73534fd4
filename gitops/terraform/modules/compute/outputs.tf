output "control_plane_instance_ids" {
  description = "EC2 instance ids of the control-plane nodes, in node order (the first one initialises the cluster)."
  value       = [for name in local.control_plane_names : aws_instance.this[name].id]
}

output "worker_instance_ids" {
  description = "EC2 instance ids of the worker nodes, in node order; empty without workers."
  value       = try([for name in local.worker_names : aws_instance.this[name].id], [])
}

output "control_plane_private_ips" {
  description = "Private IPv4 addresses of the control-plane nodes, in node order."
  value       = [for name in local.control_plane_names : aws_instance.this[name].private_ip]
}

output "worker_private_ips" {
  description = "Private IPv4 addresses of the worker nodes, in node order; empty without workers."
  value       = try([for name in local.worker_names : aws_instance.this[name].private_ip], [])
}

output "nodes" {
  description = "Every node by name: instance id, role, private address and availability zone."
  value = {
    for name, node in aws_instance.this : name => {
      instance_id       = node.id
      role              = local.nodes[name].role
      private_ip        = node.private_ip
      availability_zone = node.availability_zone
    }
  }
}

output "node_role_arn" {
  description = "ARN of the IAM role the nodes run with."
  value       = aws_iam_role.node.arn
}

output "node_role_name" {
  description = "Name of the IAM role the nodes run with (attach further policies to it from outside)."
  value       = aws_iam_role.node.name
}

output "instance_profile_name" {
  description = "Name of the nodes' instance profile."
  value       = aws_iam_instance_profile.node.name
}
