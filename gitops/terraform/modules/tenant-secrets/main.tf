# One IAM role per organization of the cluster, assumed by External Secrets Operator (which runs on
# the nodes with the node role) for that organization's SecretStore. The role reads only secrets
# whose name starts with slipway-tenants/<organization>/ (the trailing slash keeps "acme" out of
# "acme-corp"; a prefix of its own, not slipway/, because slipway/<org>/<env>/ holds the
# environments' kubeconfigs and an organization named "tenants" would otherwise share it), so a SecretStore, and any ExternalSecret through it, can never return another
# organization's secret: IAM refuses the read whatever key the ExternalSecret names. Only this
# cluster's node role may assume it (trust policy), and only the node role's pods that can reach the
# instance metadata service hold that role: platform pods, never tenant pods (Cilium fence).
#
# A shared cluster (shared_tenants) gets ONE more role instead of a role per tenant, so placing an
# organization on it needs no Terraform: its policy reads slipway-tenants/${aws:PrincipalTag/slipway-org}/*,
# the prefix of the organization named by the session tag slipway-org, and its trust policy lets the
# node role assume it only with that one session tag (sts:TagSession, no other tag key). Each
# tenant's SecretStore (platform-rendered; tenants cannot create stores) assumes it with
# sessionTags [{key: slipway-org, value: <its organization>}]; a session without the tag resolves no
# prefix and reads nothing.
data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # The session tag naming the organization (gitops/kubernetes/tenants/external-secrets.ts).
  organization_tag = "slipway-org"
  secret_arn_base  = "arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:secret"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.node_role_arn]
    }
  }
}

data "aws_iam_policy_document" "read" {
  for_each = var.organizations

  statement {
    sid       = "ReadOwnPrefixOnly"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.secret_arn_base}:${var.secret_prefix}${each.key}/*"]
  }
}

# Under /slipway/tenant-secrets/<cluster>/<organization>/: the path names the owner (and the node
# role may assume roles under its own cluster's path only); the name is a digest because IAM role
# names are unique per account and limited to 64 characters.
resource "aws_iam_role" "this" {
  for_each = var.organizations

  name                 = "slipway-secrets-${substr(sha1("${var.cluster_name}/${each.key}"), 0, 20)}"
  path                 = "/slipway/tenant-secrets/${var.cluster_name}/${each.key}/"
  description          = "External Secrets for ${each.key} on ${var.cluster_name}: reads ${var.secret_prefix}${each.key}/* only"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = var.permissions_boundary_arn

  tags = merge(var.tags, { Name = "${var.cluster_name}-${each.key}-secrets", secrets-organization = each.key })
}

data "aws_iam_policy_document" "assume_tagged" {
  statement {
    sid     = "NodeRoleWithTheOrganizationTagOnly"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "AWS"
      identifiers = [var.node_role_arn]
    }

    # The session names one organization, and carries no other tag.
    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/${local.organization_tag}"
      values   = ["?*"]
    }

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = [local.organization_tag]
    }
  }
}

data "aws_iam_policy_document" "read_tagged" {
  statement {
    sid       = "ReadTheTaggedOrganizationPrefixOnly"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["${local.secret_arn_base}:${var.secret_prefix}$${aws:PrincipalTag/${local.organization_tag}}/*"]
  }
}

# Under /slipway/tenant-secrets/<cluster>/ itself (an organization's own role is one level deeper):
# the node role's assume-role grant covers it, and the path names no organization.
resource "aws_iam_role" "shared" {
  count = var.shared_tenants ? 1 : 0

  name                 = "slipway-secrets-${substr(sha1("${var.cluster_name}/${local.organization_tag}"), 0, 20)}"
  path                 = "/slipway/tenant-secrets/${var.cluster_name}/"
  description          = "External Secrets for every tenant of ${var.cluster_name}: reads ${var.secret_prefix}<session tag ${local.organization_tag}>/* only"
  assume_role_policy   = data.aws_iam_policy_document.assume_tagged.json
  permissions_boundary = var.permissions_boundary_arn

  tags = merge(var.tags, { Name = "${var.cluster_name}-tenant-secrets" })
}

resource "aws_iam_role_policy" "shared" {
  count = var.shared_tenants ? 1 : 0

  name   = "read-tagged-organization-prefix"
  role   = aws_iam_role.shared[0].id
  policy = data.aws_iam_policy_document.read_tagged.json
}

resource "aws_iam_role_policy" "this" {
  for_each = var.organizations

  name   = "read-own-prefix"
  role   = aws_iam_role.this[each.key].id
  policy = data.aws_iam_policy_document.read[each.key].json
}
