variable "cluster_name" {
  description = "Name of the cluster the load balancer serves, <organization>-<environment>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.cluster_name))
    error_message = "cluster_name must be a DNS label of at most 40 characters."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Public subnets the internet-facing load balancer listens in, one per availability zone."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids must list at least one public subnet."
  }
}

variable "node_security_group_id" {
  description = "Security group of every node: it gets the one rule letting the load balancer reach the ingress NodePort."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", var.node_security_group_id))
    error_message = "node_security_group_id must be a security group id (sg-...)."
  }
}

variable "target_instance_ids" {
  description = "Nodes the load balancer forwards to (Cilium's ingress NodePort listens on every node)."
  type        = list(string)

  validation {
    condition     = length(var.target_instance_ids) > 0
    error_message = "target_instance_ids must list at least one node."
  }
}

variable "target_count" {
  description = "Number of target_instance_ids, given apart because it must be known when planning (the instance ids are not, before the instances exist)."
  type        = number

  validation {
    condition     = var.target_count >= 1 && floor(var.target_count) == var.target_count
    error_message = "target_count must be a positive integer."
  }
}

variable "domain" {
  description = "Ingress domain of the cluster (spec ingress.domain): an organization's hosts are *.<organization>.<domain>."
  type        = string

  validation {
    condition     = length(var.domain) <= 190 && can(regex("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.domain))
    error_message = "domain must be a lower-case DNS name of at most 190 characters, such as apps.example.com (no wildcard, no trailing dot)."
  }
}

variable "hosted_zone_id" {
  description = "Route 53 hosted zone holding domain (spec ingress.hostedZoneId): the certificates' validation records and the hosts' alias records go there."
  type        = string

  validation {
    condition     = can(regex("^Z[A-Z0-9]{1,31}$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ."
  }
}

variable "organizations" {
  description = "Organizations with hosts on the cluster; each gets its own certificate *.<organization>.<domain> and alias record."
  type        = set(string)

  validation {
    condition     = length(var.organizations) > 0 && alltrue([for org in var.organizations : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", org)) && length(org) <= 63])
    error_message = "organizations must be a non-empty set of DNS labels."
  }
}

variable "tags" {
  description = "Tags merged into every resource; must carry organization, environment and managed-by = slipway."
  type        = map(string)

  validation {
    condition     = lookup(var.tags, "managed-by", "") == "slipway"
    error_message = "tags must include managed-by = slipway."
  }
}
