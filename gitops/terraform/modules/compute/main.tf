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
# Node role: Systems Manager core + the EBS CSI driver on this cluster's volumes, nothing else
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
  description          = "Kubernetes nodes of ${var.name}: SSM agent and the EBS CSI driver"
  assume_role_policy   = data.aws_iam_policy_document.node_assume.json
  permissions_boundary = var.permissions_boundary_arn

  tags = merge(var.tags, { Name = "${var.name}-node" })
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# No rights on the SSM transfer bucket: community.aws's aws_ssm connection moves every file with
# presigned URLs that the Ansible controller signs for one key (<instance id>/<path>, valid one
# hour), so a node can only fetch or upload the very object it is handed, never list or read
# another node's transfers, state backups or phase outputs.

# The EBS CSI driver's controller runs on the nodes with the node role: what AWS's
# AmazonEBSCSIDriverPolicy grants, narrowed to this cluster. Volumes and snapshots must be created
# with the cluster's tag (kubernetes.io/cluster/<name> = owned, which the driver writes when its
# k8sTagClusterId is the cluster name), and only volumes carrying it may be attached (to this
# cluster's nodes only), changed, snapshotted or deleted: one tenant's nodes cannot touch another
# tenant's disks in the same account.
data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  cluster_tag = "kubernetes.io/cluster/${var.name}"
  ec2_arn     = "arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.name}"
  volumes     = "${local.ec2_arn}:${data.aws_caller_identity.current.account_id}:volume/*"
  # EC2 snapshot ARNs carry no account id.
  snapshots = "${local.ec2_arn}::snapshot/*"
  instances = "${local.ec2_arn}:${data.aws_caller_identity.current.account_id}:instance/*"
}

data "aws_iam_policy_document" "ebs_csi" {
  statement {
    sid = "DescribeVolumesAndNodes"
    # Describe calls take no resource ARN: AWS authorizes them on "*" only.
    actions = [
      "ec2:DescribeAvailabilityZones",
      "ec2:DescribeInstances",
      "ec2:DescribeSnapshots",
      "ec2:DescribeTags",
      "ec2:DescribeVolumes",
      "ec2:DescribeVolumesModifications",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "CreateClusterVolumes"
    actions   = ["ec2:CreateVolume", "ec2:CreateSnapshot"]
    resources = [local.volumes, local.snapshots]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.cluster_tag}"
      values   = ["owned"]
    }
  }

  statement {
    sid       = "TagWhileCreating"
    actions   = ["ec2:CreateTags"]
    resources = [local.volumes, local.snapshots]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["CreateVolume", "CreateSnapshot"]
    }
  }

  statement {
    sid = "ChangeClusterVolumes"
    actions = [
      "ec2:AttachVolume",
      "ec2:DetachVolume",
      "ec2:ModifyVolume",
      "ec2:DeleteVolume",
      "ec2:CreateTags",
      "ec2:DeleteTags",
    ]
    resources = [local.volumes]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.cluster_tag}"
      values   = ["owned"]
    }
  }

  statement {
    sid       = "AttachToClusterNodes"
    actions   = ["ec2:AttachVolume", "ec2:DetachVolume"]
    resources = [local.instances]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.cluster_tag}"
      values   = ["owned"]
    }
  }

  statement {
    sid       = "DeleteClusterSnapshots"
    actions   = ["ec2:DeleteSnapshot"]
    resources = [local.snapshots]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.cluster_tag}"
      values   = ["owned"]
    }
  }
}

resource "aws_iam_role_policy" "ebs_csi" {
  name   = "ebs-csi-driver"
  role   = aws_iam_role.node.id
  policy = data.aws_iam_policy_document.ebs_csi.json
}

# External Secrets Operator runs on the nodes with the node role and assumes, per SecretStore,
# the organization's role of this cluster (modules/tenant-secrets): the node role may assume roles
# under this cluster's /slipway/tenant-secrets/<cluster>/ path and nothing else.
data "aws_iam_policy_document" "tenant_secrets" {
  statement {
    sid       = "AssumeOwnClusterTenantSecretRoles"
    actions   = ["sts:AssumeRole"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/slipway/tenant-secrets/${var.name}/*"]
  }

  # A shared cluster's tenant role is assumed with the session tag slipway-org (and no other).
  statement {
    sid       = "TagOwnClusterTenantSecretSessions"
    actions   = ["sts:TagSession"]
    resources = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/slipway/tenant-secrets/${var.name}/*"]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["slipway-org"]
    }
  }
}

resource "aws_iam_role_policy" "tenant_secrets" {
  name   = "assume-tenant-secret-roles"
  role   = aws_iam_role.node.id
  policy = data.aws_iam_policy_document.tenant_secrets.json
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

  # IMDSv2 only (a token from a PUT with a header, so no GET-only request forgery reaches it),
  # with a hop limit of 2: a pod is one network hop behind its node, and on this kubeadm cluster
  # (no EKS Pod Identity, no IRSA webhook) the platform's own pods take their AWS credentials from
  # the node role through the metadata service - the EBS CSI controller (whose chart has no
  # host-network option) and External Secrets. With hop limit 1 their token request is dropped and
  # no volume is ever created. Tenant pods are kept away from 169.254.169.254 by the cluster-wide
  # Cilium fence (a deny rule no tenant policy can outweigh) and cannot use the host network
  # (restricted Pod Security), so the wider limit opens the metadata service to platform pods only.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
    http_protocol_ipv6          = "disabled"
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
