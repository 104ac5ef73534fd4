output "role_arns" {
  description = "Role ARN per organization, for that organization's SecretStore (spec.provider.aws.role)."
  value       = { for org, role in aws_iam_role.this : org => role.arn }
}

output "secret_prefixes" {
  description = "Secrets Manager name prefix per organization (the SecretStore's prefix)."
  value       = { for org in var.organizations : org => "${var.secret_prefix}${org}/" }
}
