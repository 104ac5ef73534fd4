# An environment's CloudWatch Logs groups and what Fluent Bit (gitops/kubernetes/logging), running
# on the nodes with the node role, may do with them. Names (functions/domain/logs.ts):
#
#   /slipway/<org>/<env>/workloads   container logs and Kubernetes events of the tenant namespaces
#   /slipway/<org>/<env>/platform    the cluster's own namespaces
#
# Organization and environment are DNS-1123 labels (no "/"), so /slipway/<org>/<env>/ belongs to
# one environment of one organization: acme/prod never matches acme-corp/prod or acme/prod-eu, and
# the two-segment VPC flow-log groups (/slipway/vpc-flow-logs/<cluster>) are never inside it. The
# node role may write and never read: no GetLogEvents, FilterLogEvents or StartQuery anywhere.

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  prefix    = "/slipway/${var.organization}/${var.environment}/"
  workloads = "${local.prefix}workloads"
  platform  = "${local.prefix}platform"
  # A shared cluster's own run has no tenant namespace: only its platform group is Terraform's.
  groups   = var.shared ? { platform = local.platform } : { workloads = local.workloads, platform = local.platform }
  arn_base = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:"
  # A group's streams (CreateLogStream, PutLogEvents, DescribeLogStreams act on group:* ARNs).
  own_streams = [for name in values(local.groups) : "${local.arn_base}${name}:*"]
  # Every tenant's workloads group, /slipway/<org>/<env>/workloads: on a shared cluster the
  # tenants are placed after this apply, so the policy cannot list them. IAM's "*" spans "/", but
  # two of them need two segments, so a two-segment flow-log group never matches.
  tenant_groups = "${local.arn_base}/slipway/*/*/workloads"
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.groups

  name              = each.value
  retention_in_days = var.retention_days

  tags = merge(var.tags, { Name = each.value })
}

data "aws_iam_policy_document" "fluent_bit" {
  statement {
    sid       = "ShipToOwnGroups"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = local.own_streams
  }

  # Shared cluster only: Fluent Bit creates a tenant's workloads group (auto_create_group) with the
  # cluster's retention (log_retention_days) on the first record of its namespaces, and ships to it.
  # Which group a record goes to is decided by its namespace's labels, which only the platform sets.
  dynamic "statement" {
    for_each = var.shared ? ["tenants"] : []
    content {
      sid       = "CreateTenantGroups"
      actions   = ["logs:CreateLogGroup", "logs:PutRetentionPolicy"]
      resources = [local.tenant_groups, "${local.tenant_groups}:*"]
    }
  }

  dynamic "statement" {
    for_each = var.shared ? ["tenants"] : []
    content {
      sid       = "ShipToTenantGroups"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
      resources = ["${local.tenant_groups}:*"]
    }
  }
}

resource "aws_iam_role_policy" "fluent_bit" {
  name   = "fluent-bit-logs"
  role   = var.node_role_name
  policy = data.aws_iam_policy_document.fluent_bit.json
}
