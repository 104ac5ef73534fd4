variable "name" {
  description = "Name of the cluster, <organization>-<environment>; prefixes every resource name of the vpc, security and compute modules."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 label (lower-case letters, digits and -)."
  }

  validation {
    condition     = length(var.name) <= 40
    error_message = "The cluster name <organization>-<environment> must be at most 40 characters (it prefixes IAM and EC2 resource names)."
  }
}

variable "network" {
  description = "Address plan: the VPC CIDR (the vpc module takes /16 to /24), the pod CIDR Cilium allocates from and the Kubernetes Service CIDR. No two may overlap."
  type = object({
    vpc_cidr     = string
    pod_cidr     = string
    service_cidr = string
  })

  validation {
    condition     = alltrue([for cidr in values(var.network) : can(cidrhost(cidr, 0))])
    error_message = "vpc_cidr, pod_cidr and service_cidr must be IPv4 CIDRs."
  }

  # Two CIDRs overlap exactly when their network addresses agree on the shorter prefix.
  validation {
    condition = !alltrue([for cidr in values(var.network) : can(cidrhost(cidr, 0))]) || (
      cidrhost("${split("/", var.network.pod_cidr)[0]}/${min(tonumber(split("/", var.network.pod_cidr)[1]), tonumber(split("/", var.network.vpc_cidr)[1]))}", 0) !=
      cidrhost("${split("/", var.network.vpc_cidr)[0]}/${min(tonumber(split("/", var.network.pod_cidr)[1]), tonumber(split("/", var.network.vpc_cidr)[1]))}", 0)
    )
    error_message = "pod_cidr must not overlap vpc_cidr."
  }

  validation {
    condition = !alltrue([for cidr in values(var.network) : can(cidrhost(cidr, 0))]) || (
      cidrhost("${split("/", var.network.service_cidr)[0]}/${min(tonumber(split("/", var.network.service_cidr)[1]), tonumber(split("/", var.network.vpc_cidr)[1]))}", 0) !=
      cidrhost("${split("/", var.network.vpc_cidr)[0]}/${min(tonumber(split("/", var.network.service_cidr)[1]), tonumber(split("/", var.network.vpc_cidr)[1]))}", 0)
    )
    error_message = "service_cidr must not overlap vpc_cidr."
  }

  validation {
    condition = !alltrue([for cidr in values(var.network) : can(cidrhost(cidr, 0))]) || (
      cidrhost("${split("/", var.network.service_cidr)[0]}/${min(tonumber(split("/", var.network.service_cidr)[1]), tonumber(split("/", var.network.pod_cidr)[1]))}", 0) !=
      cidrhost("${split("/", var.network.pod_cidr)[0]}/${min(tonumber(split("/", var.network.service_cidr)[1]), tonumber(split("/", var.network.pod_cidr)[1]))}", 0)
    )
    error_message = "service_cidr must not overlap pod_cidr."
  }
}

variable "shape" {
  description = "What the tier decides: availability zones, NAT gateway strategy (single or one_per_az), flow log retention in days (a CloudWatch Logs period, checked by the vpc module) and node root volume size in GiB (20 to 1000, checked by the compute module)."
  type = object({
    availability_zone_count = number
    nat_gateway_strategy    = string
    flow_log_retention_days = number
    root_volume_size_gb     = number
  })

  validation {
    condition     = contains([1, 2, 3], var.shape.availability_zone_count)
    error_message = "shape.availability_zone_count must be 1, 2 or 3."
  }

  validation {
    condition     = contains(["single", "one_per_az"], var.shape.nat_gateway_strategy)
    error_message = "shape.nat_gateway_strategy must be single or one_per_az."
  }
}

variable "nodes" {
  description = "Control-plane nodes (count 1, 3, 5 or 7 for etcd quorum) and worker nodes (count 0 to 100), each with an EC2 instance type."
  type = object({
    control_plane = object({
      count         = number
      instance_type = string
    })
    workers = object({
      count         = number
      instance_type = string
    })
  })

  validation {
    condition     = contains([1, 3, 5, 7], var.nodes.control_plane.count) && var.nodes.workers.count >= 0 && var.nodes.workers.count <= 100
    error_message = "nodes.control_plane.count must be 1, 3, 5 or 7 and nodes.workers.count between 0 and 100."
  }

  validation {
    condition     = alltrue([for group in [var.nodes.control_plane, var.nodes.workers] : can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*\\.[a-z0-9]+(-[a-z0-9]+)*$", group.instance_type))])
    error_message = "nodes.control_plane.instance_type and nodes.workers.instance_type must be EC2 instance types such as m6i.large, m7i-flex.large or m7i.metal-24xl."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary every IAM role of the environment carries (the vpc module's flow-log role, the compute module's node role). Slipway's CDK app creates the policy; the terraform phase may create no role without it."
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
