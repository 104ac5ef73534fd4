output "workloads_log_group" {
  description = "The tenant namespaces' group, /slipway/<org>/<env>/workloads; null on a shared cluster's own run (each tenant's is created by Fluent Bit)."
  value       = try(aws_cloudwatch_log_group.this["workloads"].name, null)
}

output "platform_log_group" {
  description = "The cluster's own namespaces' group, /slipway/<org>/<env>/platform."
  value       = aws_cloudwatch_log_group.this["platform"].name
}

output "retention_days" {
  description = "Retention of the groups (and, on a shared cluster, of every tenant group Fluent Bit creates)."
  value       = var.retention_days
}

output "shared" {
  description = "Whether the tenants' groups are created by Fluent Bit (a shared cluster) rather than by Terraform."
  value       = var.shared
}
