variable "name" {
  description = "Name of the cluster (<org>-<env>); prefixes every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS-1123 label of at most 40 characters."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the security groups and the API load balancer belong to."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the internal API load balancer (one per availability zone)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids must hold at least one subnet id (subnet-...)."
  }
}

variable "api_ingress_cidr_blocks" {
  description = "IPv4 CIDRs allowed to reach the Kubernetes API through the internal load balancer (usually the VPC CIDR: SSM port forwarding enters through a node)."
  type        = list(string)

  validation {
    condition     = length(var.api_ingress_cidr_blocks) >= 1 && alltrue([for cidr in var.api_ingress_cidr_blocks : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "api_ingress_cidr_blocks must hold IPv4 CIDRs and may not be 0.0.0.0/0: the API is internal only."
  }
}

variable "cilium" {
  description = "How Cilium carries pod traffic between nodes: the tunnel protocol decides which UDP port nodes open to each other (vxlan 8472, geneve 6081)."
  type = object({
    tunnel_protocol = optional(string, "vxlan")
    hubble_enabled  = optional(bool, true)
  })
  default = {}

  validation {
    condition     = contains(["vxlan", "geneve"], var.cilium.tunnel_protocol)
    error_message = "cilium.tunnel_protocol must be vxlan or geneve."
  }
}

variable "node_ports" {
  description = "Optional access to the NodePort range (30000-32767/tcp) from the given IPv4 CIDRs; disabled by default."
  type = object({
    enabled     = optional(bool, false)
    cidr_blocks = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = !var.node_ports.enabled || (length(var.node_ports.cidr_blocks) >= 1 && alltrue([for cidr in var.node_ports.cidr_blocks : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"]))
    error_message = "node_ports.cidr_blocks must hold at least one IPv4 CIDR other than 0.0.0.0/0 when node_ports.enabled is true."
  }
}

variable "deletion_protection" {
  description = "Protect the API load balancer against deletion (a teardown then has to turn it off first)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags merged into every resource; must carry organization, environment and managed-by = slipway."
  type        = map(string)

  validation {
    condition     = alltrue([for key in ["organization", "environment", "managed-by"] : contains(keys(var.tags), key)]) && try(var.tags["managed-by"], "") == "slipway"
    error_message = "tags must contain organization, environment and managed-by = \"slipway\"."
  }
}
