data "aws_partition" "current" {}

# The CPU architecture follows the instance type (m6i → x86_64, m7g → arm64), so the AMI does too.
data "aws_ec2_instance_type" "this" {
  for_each = toset([var.control_plane.instance_type, var.workers.instance_type])

  instance_type = each.key
}

locals {
  architecture = {
    for type, info in data.aws_ec2_instance_type.this :
    type => contains(info.supported_architectures, "x86_64") ? "x86_64" : "arm64"
  }

  # One entry per node, keyed by a stable name: adding a worker never renumbers the others.
  nodes = merge(
    {
      for index in range(var.control_plane.count) : format("control-plane-%d", index + 1) => {
        role          = "control-plane"
        instance_type = var.control_plane.instance_type
        subnet_id     = var.subnet_ids[index % length(var.subnet_ids)]
        sg_ids        = var.control_plane_security_group_ids
      }
    },
    {
      for index in range(var.workers.count) : format("worker-%d", index + 1) => {
        role          = "worker"
        instance_type = var.workers.instance_type
        subnet_id     = var.subnet_ids[index % length(var.subnet_ids)]
        sg_ids        = var.worker_security_group_ids
      }
    },
  )

  # Node order (control-plane-1 first: it initialises the cluster), not lexical order.
  control_plane_names = [for index in range(var.control_plane.count) : format("control-plane-%d", index + 1)]
  worker_names        = [for index in range(var.workers.count) : format("worker-%d", index + 1)]
}

data "aws_ssm_parameter" "ami" {
  for_each = toset(values(local.architecture))

  name = var.ami_ssm_parameters[each.key]
}

################################################################################
# Node role: Systems Manager core + the SSM transfer bucket, nothing else
################################################################################

data "aws_iam_policy_document" "node_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

# IAM objects live under /slipway/: the terraform phase may only create, pass and delete roles
# and instance profiles on that path (infra/constructs/phase-permissions.ts), and only roles that
# carry the permissions boundary, so the phase can never mint a role stronger than the boundary.
resource "aws_iam_role" "node" {
  name_prefix          = substr("${var.name}-node-", 0, 38)
  path                 = "/slipway/"
  description          = "Kubernetes nodes of ${var.name}: SSM agent and Ansible file transfers"
  assume_role_policy   = data.aws_iam_policy_document.node_assume.json
  permissions_boundary = var.permissions_boundary_arn

  tags = merge(var.tags, { Name = "${var.name}-node" })
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# Ansible's aws_ssm connection stages files under s3://<bucket>/<instance id>/...: each node of
# this cluster may touch its own cluster's keys only, never another tenant's transfers or the
# state backups and phase outputs that share the bucket.
data "aws_iam_policy_document" "ssm_transfer" {
  statement {
    sid       = "TransferObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [for node in aws_instance.this : "arn:${data.aws_partition.current.partition}:s3:::${var.ssm_transfer_bucket}/${node.id}/*"]
  }

  statement {
    sid       = "LocateBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.ssm_transfer_bucket}"]
  }

  dynamic "statement" {
    for_each = var.ssm_transfer_kms_key_arn == null ? [] : [var.ssm_transfer_kms_key_arn]

    content {
      sid       = "TransferEncryption"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "ssm_transfer" {
  name   = "ssm-transfer-bucket"
  role   = aws_iam_role.node.id
  policy = data.aws_iam_policy_document.ssm_transfer.json

  lifecycle {
    # One key prefix per node keeps tenants apart but grows with the cluster; IAM caps a role's
    # inline policies at 10,240 characters (whitespace not counted). Fail with a reason instead
    # of IAM's bare LimitExceeded.
    precondition {
      condition     = length(jsonencode(jsondecode(data.aws_iam_policy_document.ssm_transfer.json))) <= 10240
      error_message = "The SSM transfer policy for this many nodes exceeds IAM's 10,240-character inline policy limit; use a shorter ssm_transfer_bucket name or fewer nodes."
    }
  }
}

resource "aws_iam_instance_profile" "node" {
  name_prefix = substr("${var.name}-node-", 0, 38)
  path        = "/slipway/"
  role        = aws_iam_role.node.name

  tags = merge(var.tags, { Name = "${var.name}-node" })
}

################################################################################
# Nodes
################################################################################

# Spread placement: no two control-plane nodes share a rack, so one hardware failure costs at
# most one etcd member.
resource "aws_placement_group" "control_plane" {
  name     = "${var.name}-control-plane"
  strategy = "spread"

  tags = merge(var.tags, { Name = "${var.name}-control-plane" })
}

resource "aws_instance" "this" {
  for_each = local.nodes

  ami                    = data.aws_ssm_parameter.ami[local.architecture[each.value.instance_type]].insecure_value
  instance_type          = each.value.instance_type
  subnet_id              = each.value.subnet_id
  vpc_security_group_ids = each.value.sg_ids
  iam_instance_profile   = aws_iam_instance_profile.node.name
  placement_group        = each.value.role == "control-plane" ? aws_placement_group.control_plane.id : null

  associate_public_ip_address = false
  monitoring                  = true

  user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    cluster_name = var.name
    role         = each.value.role
  })

  # IMDSv2 only. Hop limit 1 keeps the instance credentials away from pods: a container is one
  # network hop further and cannot reach the metadata service.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    encrypted             = true
    kms_key_id            = var.root_volume.kms_key_id
    volume_type           = var.root_volume.type
    volume_size           = var.root_volume.size_gb
    delete_on_termination = true

    tags = merge(var.tags, { Name = "${var.name}-${each.key}-root" })
  }

  tags = merge(var.tags, {
    Name                                = "${var.name}-${each.key}"
    role                                = each.value.role
    "kubernetes.io/cluster/${var.name}" = "owned"
  })

  lifecycle {
    # The AMI parameter moves whenever AWS publishes a new image; replacing nodes (and etcd
    # members) must be a deliberate rollout, never a side effect of the next apply.
    ignore_changes = [ami, user_data]
  }
}

resource "aws_lb_target_group_attachment" "api" {
  for_each = toset(local.control_plane_names)

  target_group_arn = var.api_target_group_arn
  target_id        = aws_instance.this[each.key].id
  port             = 6443
}
