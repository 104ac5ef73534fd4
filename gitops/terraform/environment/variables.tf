# The input contract: buildspecs/scripts/terraform/render-tfvars.sh writes these names into
# slipway.auto.tfvars.json. Each value is checked here on its own, together with the tier's rules;
# checks that relate values to each other (CIDR overlaps, length of the cluster name) live in
# modules/cluster, which this root calls with these values.

variable "organization" {
  description = "Organization (tenant) id, a DNS-1123 label; first half of the cluster name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.organization))
    error_message = "organization must be a DNS-1123 label (lower-case letters, digits and -)."
  }
}

variable "environment" {
  description = "Environment name within the organization, a DNS-1123 label; second half of the cluster name (at most 40 characters in all, checked by modules/cluster)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.environment))
    error_message = "environment must be a DNS-1123 label (lower-case letters, digits and -)."
  }
}

variable "tier" {
  description = "Tier of the environment: dev, staging or prod. Everything the tier decides (zones, NAT gateways, log retention, volume size, minimum control plane) is in tiers.tf."
  type        = string

  validation {
    condition     = contains(keys(local.tiers), var.tier)
    error_message = "tier must be dev, staging or prod."
  }
}

variable "region" {
  description = "AWS region of the environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$", var.region))
    error_message = "region must be an AWS region such as eu-west-1."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the environment's VPC (/16 to /24)."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24
    error_message = "vpc_cidr must be an IPv4 CIDR with a prefix length between /16 and /24."
  }
}

variable "pod_cidr" {
  description = "IPv4 CIDR Cilium allocates pod addresses from; must not overlap the VPC or the service CIDR (checked by modules/cluster)."
  type        = string

  validation {
    condition     = can(cidrhost(var.pod_cidr, 0))
    error_message = "pod_cidr must be an IPv4 CIDR."
  }
}

variable "service_cidr" {
  description = "IPv4 CIDR of Kubernetes Service cluster IPs; must not overlap the VPC or the pod CIDR (checked by modules/cluster)."
  type        = string

  validation {
    condition     = can(cidrhost(var.service_cidr, 0))
    error_message = "service_cidr must be an IPv4 CIDR."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version (1.30) or exact release (1.30.4) Ansible installs; passed through to the outputs."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]+(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.30 or 1.30.4."
  }
}

variable "cilium_version" {
  description = "Cilium minor version (1.16) or exact release (1.16.3) Ansible installs; passed through to the outputs."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]+(\\.[0-9]+)?$", var.cilium_version))
    error_message = "cilium_version must look like 1.16 or 1.16.3."
  }
}

variable "control_plane" {
  description = "Control-plane nodes: count (1, 3, 5 or 7 for etcd quorum) and EC2 instance type."
  type = object({
    count         = number
    instance_type = string
  })

  validation {
    condition     = contains([1, 3, 5, 7], var.control_plane.count)
    error_message = "control_plane.count must be 1, 3, 5 or 7."
  }

  validation {
    condition     = var.control_plane.count >= try(local.tiers[var.tier].min_control_plane_nodes, 1)
    error_message = "A prod environment needs at least 3 control-plane nodes (tiers.tf, min_control_plane_nodes): a single etcd member is a single point of failure."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*\\.[a-z0-9]+(-[a-z0-9]+)*$", var.control_plane.instance_type))
    error_message = "control_plane.instance_type must be an EC2 instance type such as m6i.large, m7i-flex.large or m7i.metal-24xl."
  }
}

variable "workers" {
  description = "Worker nodes: count (0 to 100) and EC2 instance type."
  type = object({
    count         = number
    instance_type = string
  })

  validation {
    condition     = var.workers.count >= 0 && var.workers.count <= 100
    error_message = "workers.count must be between 0 and 100."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*\\.[a-z0-9]+(-[a-z0-9]+)*$", var.workers.instance_type))
    error_message = "workers.instance_type must be an EC2 instance type such as m6i.xlarge, m7i-flex.large or m7i.metal-24xl."
  }
}

variable "ssm_transfer_bucket" {
  description = "S3 bucket for Ansible's SSM file transfers (Slipway's artifact bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.ssm_transfer_bucket))
    error_message = "ssm_transfer_bucket must be an S3 bucket name."
  }
}

variable "availability_zone_count" {
  description = "Availability zones to spread subnets, NAT gateways and nodes over; null takes the tier's default (tiers.tf: dev 2, staging and prod 3)."
  type        = number
  default     = null

  validation {
    condition     = var.availability_zone_count == null ? true : contains(try(local.tiers[var.tier].availability_zones.allowed, []), var.availability_zone_count)
    error_message = "availability_zone_count must be one the tier allows: dev 1 to 3, staging and prod 2 or 3 (they survive the loss of a zone)."
  }
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary every IAM role of the environment carries; from SLIPWAY_NODE_PERMISSIONS_BOUNDARY (set on the terraform phase's CodeBuild project by Slipway's CDK app)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/([A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,128}$", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be the ARN of a customer-managed IAM policy (arn:aws:iam::<account>:policy/<path/><name>)."
  }
}

variable "tags" {
  description = "Extra tags for every resource; organization, environment and managed-by are always set by Slipway and win over these."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key, value in var.tags : length(key) <= 128 && length(value) <= 256 && !startswith(lower(key), "aws:")])
    error_message = "tags keys must be at most 128 characters, values at most 256, and no key may start with aws: (AWS tag limits)."
  }
}

variable "ingress" {
  description = "The cluster's ingress (spec ingress): domain, whose hosts *.<organization>.<domain> the ingress load balancer serves, and the Route 53 hosted zone holding it. null: no ingress load balancer."
  type = object({
    domain         = string
    hosted_zone_id = string
  })
  default = null

  validation {
    condition     = var.ingress == null ? true : length(var.ingress.domain) <= 190 && can(regex("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.ingress.domain))
    error_message = "ingress.domain must be a lower-case DNS name of at most 190 characters, such as apps.example.com (no wildcard, no trailing dot)."
  }

  validation {
    condition     = var.ingress == null ? true : can(regex("^Z[A-Z0-9]{1,31}$", var.ingress.hosted_zone_id))
    error_message = "ingress.hosted_zone_id must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ."
  }
}

variable "log_retention_days" {
  description = "Retention of the environment's CloudWatch Logs groups (the spec's logs.retentionDays, default 30)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}
