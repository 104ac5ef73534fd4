output "role_arns" {
  description = "Role ARN per organization, for that organization's SecretStore (spec.provider.aws.role)."
  value       = { for org, role in aws_iam_role.this : org => role.arn }
}

output "shared_role_arn" {
  description = "A shared cluster's one role for all its tenants (session tag slipway-org = the organization), or \"\" (Terraform publishes no null output)."
  value       = try(aws_iam_role.shared[0].arn, "")
}

output "secret_prefixes" {
  description = "Secrets Manager name prefix per organization (the SecretStore's prefix)."
  value       = { for org in var.organizations : org => "${var.secret_prefix}${org}/" }
}
