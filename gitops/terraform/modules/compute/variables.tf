variable "name" {
  description = "Name of the cluster (<org>-<env>); prefixes every resource name and the node names."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 label of at most 40 characters."
  }
}

variable "subnet_ids" {
  description = "Private subnets the nodes are spread over, round-robin (one per availability zone)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids must hold at least one subnet id (subnet-...)."
  }
}

variable "control_plane" {
  description = "Control-plane nodes: how many (odd, for etcd quorum) and which instance type."
  type = object({
    count         = number
    instance_type = string
  })

  validation {
    condition     = contains([1, 3, 5, 7], var.control_plane.count)
    error_message = "control_plane.count must be 1, 3, 5 or 7: etcd needs an odd number of members."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*\\.[a-z0-9]+(-[a-z0-9]+)*$", var.control_plane.instance_type))
    error_message = "control_plane.instance_type must be an EC2 instance type such as m6i.large, m7i-flex.large or m7i.metal-24xl."
  }
}

variable "workers" {
  description = "Worker nodes: how many and which instance type."
  type = object({
    count         = number
    instance_type = string
  })

  validation {
    condition     = var.workers.count >= 0 && var.workers.count <= 100 && floor(var.workers.count) == var.workers.count
    error_message = "workers.count must be a whole number between 0 and 100."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*\\.[a-z0-9]+(-[a-z0-9]+)*$", var.workers.instance_type))
    error_message = "workers.instance_type must be an EC2 instance type such as m6i.xlarge, m7i-flex.large or m7i.metal-24xl."
  }
}

variable "control_plane_security_group_ids" {
  description = "Security groups of the control-plane nodes (node group and control-plane group from the security module)."
  type        = list(string)

  validation {
    condition     = length(var.control_plane_security_group_ids) >= 1 && alltrue([for id in var.control_plane_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "control_plane_security_group_ids must hold at least one security group id (sg-...)."
  }
}

variable "worker_security_group_ids" {
  description = "Security groups of the worker nodes (node group from the security module)."
  type        = list(string)

  validation {
    condition     = length(var.worker_security_group_ids) >= 1 && alltrue([for id in var.worker_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "worker_security_group_ids must hold at least one security group id (sg-...)."
  }
}

variable "api_target_group_arn" {
  description = "ARN of the API load balancer's target group (TCP 6443) the control-plane nodes register with."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:", var.api_target_group_arn))
    error_message = "api_target_group_arn must be an Elastic Load Balancing target group ARN."
  }
}

variable "ami_ssm_parameters" {
  description = "Public SSM parameters that resolve to the node AMI, by CPU architecture (picked from the instance type). Defaults to Amazon Linux 2023, which ships the SSM agent."
  type = object({
    x86_64 = optional(string, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
    arm64  = optional(string, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64")
  })
  default = {}

  validation {
    condition     = startswith(var.ami_ssm_parameters.x86_64, "/") && startswith(var.ami_ssm_parameters.arm64, "/")
    error_message = "ami_ssm_parameters values must be SSM parameter names (starting with /)."
  }
}

variable "root_volume" {
  description = "Root volume of every node: size, type and an optional customer-managed KMS key (the AWS-managed EBS key otherwise). Always encrypted."
  type = object({
    size_gb    = optional(number, 50)
    type       = optional(string, "gp3")
    kms_key_id = optional(string)
  })
  default = {}

  validation {
    condition     = var.root_volume.size_gb >= 20 && var.root_volume.size_gb <= 1000
    error_message = "root_volume.size_gb must be between 20 and 1000 (kubelet, containerd images and etcd live on it)."
  }

  validation {
    condition     = contains(["gp3", "gp2", "io1", "io2"], var.root_volume.type)
    error_message = "root_volume.type must be gp3, gp2, io1 or io2."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary set on the node role (the terraform phase may only create IAM roles that carry it, so no role it creates can exceed it)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be the ARN of a customer-managed IAM policy (arn:aws:iam::<account>:policy/<path/><name>)."
  }
}

variable "tags" {
  description = "Tags merged into every resource; must carry organization, environment and managed-by = slipway."
  type        = map(string)

  validation {
    condition     = alltrue([for key in ["organization", "environment", "managed-by"] : contains(keys(var.tags), key)]) && try(var.tags["managed-by"], "") == "slipway"
    error_message = "tags must contain organization, environment and managed-by = \"slipway\"."
  }
}
